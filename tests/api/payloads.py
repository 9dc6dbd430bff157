"""JSON payloads shaped as in shared/research/hf-api.md, shared by the parser and collector tests."""

from __future__ import annotations

from typing import Any

WHOAMI: dict[str, Any] = {
    "type": "user", "id": "6273f303f6d63a28483fde12", "name": "alice", "fullname": "Alice Example",
    "email": "alice@example.com", "emailVerified": True, "canPay": True, "isPro": True, "periodEnd": 1788220800,
    "billingMode": "prepaid", "avatarUrl": "/avatars/0000.svg",
    "orgs": [{"type": "org", "id": "65a0", "name": "acme", "fullname": "Acme Corp", "email": None, "canPay": True,
              "periodEnd": 1788220800, "billingMode": "postpaid", "plan": "team", "roleInOrg": "admin",
              "securityRestrictions": [],
              "resourceGroups": [{"id": "67710000000000000000abcd", "name": "research", "role": "write"}]}],
    "auth": {"type": "access_token", "accessToken": {
        "displayName": "hfmon", "role": "fineGrained", "createdAt": "2026-07-01T10:00:00.000Z",
        "fineGrained": {"canReadGatedRepos": False, "global": ["discussion.write"], "scoped": [
            {"entity": {"_id": "6273", "type": "user", "name": "alice"},
             "permissions": ["repo.content.read", "user.billing.read"]},
            {"entity": {"_id": "65a0", "type": "org", "name": "acme"}, "permissions": ["org.read"]}]}}},
}

USAGE_V2 = {"usage": {
    "inferenceProviders": {"usedNanoUsd": 1500000000, "includedNanoUsd": 2000000000, "limitNanoUsd": 5000000000,
                           "numRequests": 12, "periodStart": "2026-08-01T00:00:00.000Z",
                           "periodEnd": "2026-09-01T00:00:00.000Z"},
    "jobs": {"usedMicroUsd": 250000, "totalMinutes": 3.5}}}

LIVE = {
    "inference": {"usedNanoUsd": 1750000000, "numRequests": 12, "includedNanoUsd": 2000000000, "limitNanoUsd": 0,
                  "periodStart": "2026-08-01T00:00:00Z", "periodEnd": "2026-09-01T00:00:00Z",
                  "providerDetails": [{"provider": "together", "numRequests": 1, "totalCostNanoUsd": 900000000,
                                       "totalDurationMs": 10}]},
    "jobs": {"usedMicroUsd": 660000},
    "storage": {"used": 5, "usedPrivate": 3, "usedPublic": 2, "privateStorageLimit": 107374182400,
                "publicStorageLimit": 0},
    "rateLimits": {}, "zeroGpu": {}, "lastUpdatedAt": "2026-08-31T12:00:00Z",
}

STATEMENT = {
    "period": {"_id": "66aa00000000000000000001", "entityId": "6273", "entityName": "alice", "entityType": "user",
               "periodStart": "2026-08-01T00:00:00.000Z", "periodEnd": "2026-09-01T00:00:00.000Z",
               "invoice": {"id": "no-invoice", "type": "no-invoice"}},
    "usage": {"spaces": [{"entityId": "e1", "active": True, "product": "spaces/t4-small/minutes",
                          "productPrettyName": "T4 small", "quantity": 90, "unitCostMicroUSD": 6667,
                          "totalCostMicroUSD": 600030, "label": "alice/demo", "startedAt": "2026-08-02T10:00:00Z"}],
              "endpoints": [{"entityId": "e2", "active": False, "product": "endpoints/aws/nvidia-a10g/x1",
                             "productPrettyName": "A10G", "quantity": 60.5, "unitCostMicroUSD": 16667,
                             "totalCostMicroUSD": 1008353, "newField": "ignored"}]},
}

JOB_CHARGES = {"hasAccess": True, "usage": {
    "periodStart": "2026-08-01T00:00:00Z", "periodEnd": "2026-09-01T00:00:00Z", "totalMinutes": 12,
    "usedMicroUsd": 2004, "jobDetails": [{"jobId": "j1", "hardwareFlavor": "cpu-basic",
                                          "startedAt": "2026-08-03T00:00:00Z", "totalMinutes": 12,
                                          "totalCostMicroUsd": 2004}]}}

SESSIONS = {"currency": "USD", "periods": [
    {"period": "2026-06-01T00:00:00.000Z", "sessions": [{"id": "s1", "requestCount": 2, "costCents": 123.4},
                                                         {"id": "s2", "requestCount": 20, "costCents": 999}]},
    {"period": "2026-07-01T00:00:00.000Z", "sessions": [{"id": "s1", "requestCount": 3, "costCents": 76.6}]}]}

ENDPOINT: dict[str, Any] = {
    "name": "my-endpoint-name", "type": "authenticated", "accountId": None,
    "provider": {"vendor": "aws", "region": "us-east-1"}, "healthRoute": "/health",
    "compute": {"accelerator": "gpu", "instanceType": "nvidia-l4", "instanceSize": "x1",
                "scaling": {"minReplica": 0, "maxReplica": 2, "scaleToZeroTimeout": 15,
                            "measure": {"pendingRequests": 1.5}}},
    "model": {"repository": "gpt2", "revision": "11c5", "task": "text-generation", "framework": "pytorch",
              "image": {"huggingface": {}}, "env": {}},
    "status": {"createdAt": "2023-10-26T12:41:53.263078506Z", "updatedAt": "2023-10-26T12:41:53.263Z",
               "private": None, "state": "running", "message": "Endpoint is ready",
               "url": "https://x.us-east-1.aws.endpoints.huggingface.cloud", "readyReplica": 1, "targetReplica": 1},
}

PROVIDER = {"vendors": [{"name": "aws", "status": "available", "regions": [
    {"name": "us-east-1", "label": "N. Virginia", "status": "available", "computes": [
        {"id": "aws-us-east-1-nvidia-l4-x1", "accelerator": "gpu", "numAccelerators": 1, "numCpus": 7,
         "memoryGb": 30.0, "gpuMemoryGb": 24, "instanceType": "nvidia-l4", "instanceSize": "x1",
         "architecture": "Nvidia L4", "status": "available", "pricePerHour": 0.8,
         "quota": {"maxAccelerators": 16, "usedAccelerators": 1}},
        {"id": "aws-us-east-1-intel-spr-x1", "accelerator": "cpu", "numAccelerators": 1, "memoryGb": 2.0,
         "gpuMemoryGb": None, "instanceType": "intel-spr", "instanceSize": "x1", "architecture": "Intel SPR",
         "status": "low_availability", "pricePerHour": 0.033,
         "quota": {"maxAccelerators": 60, "usedAccelerators": 0}}]}]}]}

SPACES = [
    {"_id": "1", "id": "alice/paid", "private": True, "usedStorage": 1234,
     "runtime": {"stage": "RUNNING", "hardware": {"current": "t4-medium", "requested": "t4-medium"},
                 "storage": None, "gcTimeout": 3600, "replicas": {"requested": 1, "current": 1}, "devMode": False,
                 "sdk": "gradio", "sdkVersion": "5.0.0"}},
    {"_id": "2", "id": "alice/static", "private": False,
     "runtime": {"stage": "RUNNING", "hardware": {"current": None, "requested": None}, "storage": None,
                 "replicas": {"requested": 1, "current": 1}}},
    {"_id": "3", "id": "alice/auto", "runtime": {"stage": "HIBERNATING", "hardware": {"current": None,
                                                                                       "requested": "a10g-small"},
                                                 "gcTimeout": None, "replicas": {"requested": "auto"}}},
    {"_id": "4", "id": "alice/no-runtime"},
]

HARDWARE = [{"name": "t4-small", "prettyName": "Nvidia T4 - small", "cpu": "4 vCPU", "ram": "15 GB",
             "ephemeralStorage": "50 GB",
             "accelerator": {"type": "gpu", "model": "T4", "quantity": "1", "vram": "16 GB",
                             "manufacturer": "Nvidia"},
             "unitCostMicroUSD": 6667, "unitCostUSD": 0.006667, "unitLabel": "minute"},
            {"name": "cpu-basic", "prettyName": "CPU Basic", "cpu": "2 vCPU", "ram": "16 GB", "accelerator": None,
             "unitCostUSD": 0.000167, "unitLabel": "minute"}]

ROUTER = {"data": [{"id": "deepseek-ai/DeepSeek-V4-Pro", "object": "model", "created": 1776837885,
                    "providers": [{"provider": "together", "status": "live", "context_length": 512000,
                                   "pricing": {"input": 2.1, "output": 4.4}, "is_model_author": False},
                                  {"provider": "featherless-ai", "status": "live"}]}]}

# `GET /api/models?author=alice&expand=...`: with `expand`, only `_id`, `id` and the keys asked for (hf-api.md 8.1).
MODELS = [{"_id": "66a0c0ffee0000000000000a", "id": "alice/m", "private": True, "downloads": 42, "likes": 3,
           "usedStorage": 999, "lastModified": "2026-08-01T10:00:00.000Z"},
          {"_id": "66a0c0ffee0000000000000b", "id": "alice/unsized", "private": False, "downloads": 7000,
           "likes": 0, "lastModified": "2026-07-01T10:00:00.000Z"}]
DATASETS = [{"_id": "66a0c0ffee0000000000000c", "id": "alice/d", "private": False, "downloads": 5, "likes": 1,
             "usedStorage": 480, "lastModified": "2026-08-02T00:00:00.000Z"}]
# `GET /api/organizations/acme/members`: the spec's schema (`_id`, `user`, `fullname`, `avatarUrl`, `isPro`, `type`
# required; `role` optional).
MEMBERS = [{"_id": "66a0c0ffee00000000000001", "user": "alice", "fullname": "Alice A.", "avatarUrl": "/a.svg",
            "isPro": True, "type": "user", "role": "admin"},
           {"_id": "66a0c0ffee00000000000002", "user": "bob", "fullname": "Bob B.", "avatarUrl": "/b.svg",
            "isPro": False, "type": "user"}]
