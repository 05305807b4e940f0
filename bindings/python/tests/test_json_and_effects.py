"""libedition 0.2 from Python: JSON state files, dump_json, and effects
documents read back (docs/formats.md)."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

import libedition as le

NOW = datetime(2026, 2, 1, tzinfo=timezone.utc)


def platinum() -> le.Instance:
    inst = le.Instance.create_standard("MQ_INST_1", "http://mq:8080", datetime(2026, 1, 5, tzinfo=timezone.utc))
    inst = inst.add_topic(NOW, "orders").instance
    return inst.upgrade(NOW, period_months=1).instance


def test_state_written_by_json_dumps_loads_like_its_yaml_twin() -> None:
    state = {"libedition": 1, "instance": {
        "id": "MQ_INST_1", "endpoint": "http://mq:8080", "edition": "standard",
        "created_at": "2026-01-05T00:00:00Z", "topics": ["orders"]}}
    twin = ("libedition: 1\ninstance:\n  id: MQ_INST_1\n  endpoint: http://mq:8080\n"
            "  edition: standard\n  created_at: 2026-01-05T00:00:00Z\n  topics: [orders]\n")
    assert le.Instance.load_yaml(json.dumps(state)) == le.Instance.load_yaml(twin)
    assert le.Instance.load_yaml(json.dumps(state, indent=2)) == le.Instance.load_yaml(twin)


def test_dump_json_is_one_line_of_json_that_loads_back_equal() -> None:
    inst = platinum()
    text = inst.dump_json()
    assert text.endswith("\n") and text.count("\n") == 1
    data = json.loads(text)
    assert data["libedition"] == 1 and data["instance"]["id"] == "MQ_INST_1"
    assert data["instance"]["revision"] == inst.revision
    assert le.Instance.load_yaml(text) == inst


EFFECTS = """libedition: 1
effects:
  - key: MQ_INST_1/4/0
    kind: billing.convert
    subject: {instance: MQ_INST_1}
    from: subscription
    to: pay_as_you_go
    at: 2026-03-01T00:00:00Z
    flags: [billing]
    text: switch billing from subscription to pay-as-you-go as of 2026-03-01T00:00:00Z
  - key: MQ_INST_1/4/1
    kind: topic.migrate
    subject: {topic: orders}
    from: dedicated
    to: shared
    online: true
    flags: []
    text: migrate topic orders from the dedicated cluster to the shared cluster
"""


def test_load_effects_reads_an_effects_document_with_typed_fields() -> None:
    convert, migrate = le.load_effects(EFFECTS)
    assert convert.key == "MQ_INST_1/4/0" and convert.kind is le.EffectKind.BILLING_CONVERT
    assert convert.revision == 4 and convert.index == 0
    assert convert.flags == le.EffectFlag.BILLING
    assert convert.at == datetime(2026, 3, 1, tzinfo=timezone.utc)
    assert migrate.subject_kind is le.SubjectKind.TOPIC and migrate.subject == "orders"
    assert migrate.online is True and migrate.to == "shared"


def test_load_effects_reads_the_json_twin_the_same() -> None:
    data = {"libedition": 1, "effects": [
        {"key": "MQ_INST_1/4/0", "kind": "billing.convert", "subject": {"instance": "MQ_INST_1"},
         "from": "subscription", "to": "pay_as_you_go", "at": "2026-03-01T00:00:00Z",
         "flags": ["billing"],
         "text": "switch billing from subscription to pay-as-you-go as of 2026-03-01T00:00:00Z"},
        {"key": "MQ_INST_1/4/1", "kind": "topic.migrate", "subject": {"topic": "orders"},
         "from": "dedicated", "to": "shared", "online": True, "flags": [],
         "text": "migrate topic orders from the dedicated cluster to the shared cluster"}]}
    assert le.load_effects(json.dumps(data)) == le.load_effects(EFFECTS)


def test_load_effects_refuses_a_bad_document_with_its_position() -> None:
    with pytest.raises(le.SchemaError) as caught:
        le.load_effects(EFFECTS.replace("kind: topic.migrate", "kind: topic.teleport"))
    assert caught.value.line == 12 and "topic.teleport" in str(caught.value)
