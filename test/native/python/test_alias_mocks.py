"""The generated Python SDK (sdk/python) under Pulumi's mocks: what a program declares reaches
the engine with the schema's names (policy keys by Pulumi's convention: agentKey,
partitionBy; the plugin maps them to the API's agent_key), and the outputs the engine returns come back as the SDK's typed properties.
Run by test/native/sdk-python.test.ts in a fresh venv with sdk/python installed."""

import pathlib
import re
import unittest

import pulumi


class Mocks(pulumi.runtime.Mocks):
    """Records every registration and call, and answers like the provider: a resource's
    outputs are its inputs, plus createdAt and updatedAt for an alias; canaryPolicy answers
    with a one-rule split at fixed weights."""

    def __init__(self):
        self.registered = {}
        self.calls = []

    def new_resource(self, args: pulumi.runtime.MockResourceArgs):
        self.registered[args.name] = args
        outputs = dict(args.inputs)
        if args.typ == "agent-alias:index:Alias":
            outputs["createdAt"] = "2025-01-02T03:04:05.678Z"
            outputs["updatedAt"] = "2025-01-02T03:04:05.678Z"
            outputs.setdefault("enabled", True)
            outputs.setdefault("description", "")
            outputs.setdefault("metadata", {})
        return [f"{args.name}-id", outputs]

    def call(self, args: pulumi.runtime.MockCallArgs):
        self.calls.append(args)
        if args.token != "agent-alias:index:canaryPolicy":
            raise NotImplementedError(f"no such function: {args.token}")
        split = {
            "type": "weighted",
            "partitionBy": args.args["partitionBy"],
            "options": [
                {"agentKey": args.args["from"], "weight": 80},
                {"agentKey": args.args["to"], "weight": 20},
            ],
        }
        return {"policy": {"type": "routed", "rules": [{"targets": split}]}}


mocks = Mocks()
pulumi.runtime.set_mocks(mocks, preview=False)

# Imported after set_mocks, as Pulumi's testing guide asks.
import pulumi_agent_alias as agent_alias  # noqa: E402

CANARY = agent_alias.PolicyArgs(
    type="routed",
    rules=[
        agent_alias.RuleArgs(
            match="get('$.session.metadata.tier', '') == 'gold'",
            targets=agent_alias.TargetArgs(type="single", agent_key="support-gold"),
        ),
        agent_alias.RuleArgs(
            targets=agent_alias.TargetArgs(
                type="weighted",
                partition_by="get('$.session.metadata.user_id', '')",
                options=[
                    agent_alias.WeightedOptionArgs(agent_key="support-v1", weight=95),
                    agent_alias.WeightedOptionArgs(agent_key="support-v2", weight=5),
                ],
            ),
        ),
    ],
)

CANARY_WIRE = {
    "type": "routed",
    "rules": [
        {
            "match": "get('$.session.metadata.tier', '') == 'gold'",
            "targets": {"type": "single", "agentKey": "support-gold"},
        },
        {
            "targets": {
                "type": "weighted",
                "partitionBy": "get('$.session.metadata.user_id', '')",
                "options": [
                    {"agentKey": "support-v1", "weight": 95},
                    {"agentKey": "support-v2", "weight": 5},
                ],
            }
        },
    ],
}


def plain(value):
    """A registration's inputs as plain Python values (the mock monitor hands them over as
    dicts and lists already, but a struct or tuple would compare unequal for no reason)."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


class AliasMocksTest(unittest.TestCase):
    @pulumi.runtime.test
    def test_alias_inputs_reach_the_engine_with_the_schema_names(self):
        alias = agent_alias.Alias(
            "support",
            key="support",
            name="Support",
            policy=CANARY,
            samples=[
                agent_alias.SampleArgs(
                    name="gold",
                    context={"session": {"metadata": {"tier": "gold"}}},
                    expect="support-gold",
                ),
                {"context": {"session": {"metadata": {"user_id": "u-1"}}}},
            ],
        )

        def check_inputs_and_scalars(values):
            urn, key, name, created_at, updated_at, enabled = values
            reg = mocks.registered["support"]
            self.assertEqual(reg.typ, "agent-alias:index:Alias")
            inputs = plain(reg.inputs)
            self.assertEqual(inputs["key"], "support")
            self.assertEqual(inputs["name"], "Support")
            self.assertEqual(inputs["policy"], CANARY_WIRE)
            self.assertEqual(
                inputs["samples"],
                [
                    {
                        "name": "gold",
                        "context": {"session": {"metadata": {"tier": "gold"}}},
                        "expect": "support-gold",
                    },
                    {"context": {"session": {"metadata": {"user_id": "u-1"}}}},
                ],
            )
            self.assertNotIn("adopt", inputs)
            self.assertNotIn("createdAt", inputs)
            self.assertTrue(urn.endswith("::support"), urn)
            self.assertEqual((key, name), ("support", "Support"))
            self.assertEqual(created_at, "2025-01-02T03:04:05.678Z")
            self.assertEqual(updated_at, "2025-01-02T03:04:05.678Z")
            self.assertIs(enabled, True)

        # Applied on its own: Output.all would turn the SDK's output types back into dicts.
        def check_policy(policy):
            self.assertIsInstance(policy, agent_alias.outputs.Policy)
            self.assertEqual(policy.rules[0].targets.agent_key, "support-gold")
            self.assertEqual(policy.rules[1].targets.partition_by, "get('$.session.metadata.user_id', '')")
            self.assertEqual([o.agent_key for o in policy.rules[1].targets.options], ["support-v1", "support-v2"])
            self.assertEqual([o.weight for o in policy.rules[1].targets.options], [95, 5])

        def check_samples(samples):
            self.assertEqual([s.expect for s in samples], ["support-gold", None])
            self.assertEqual(samples[1].context, {"session": {"metadata": {"user_id": "u-1"}}})

        return pulumi.Output.all(
            pulumi.Output.all(
                alias.urn, alias.key, alias.name, alias.created_at, alias.updated_at, alias.enabled
            ).apply(check_inputs_and_scalars),
            alias.policy.apply(check_policy),
            alias.samples.apply(check_samples),
        )

    @pulumi.runtime.test
    def test_alias_policy_takes_a_plain_dict_policy(self):
        owned = agent_alias.AliasPolicy("support-policy", alias_key="support", policy=CANARY_WIRE)

        def check_inputs(alias_key):
            reg = mocks.registered["support-policy"]
            self.assertEqual(reg.typ, "agent-alias:index:AliasPolicy")
            self.assertEqual(plain(reg.inputs), {"aliasKey": "support", "policy": CANARY_WIRE})
            self.assertEqual(alias_key, "support")

        def check_policy(policy):
            self.assertIsInstance(policy, agent_alias.outputs.Policy)
            self.assertEqual(policy.rules[0].targets.agent_key, "support-gold")

        return pulumi.Output.all(owned.alias_key.apply(check_inputs), owned.policy.apply(check_policy))

    @pulumi.runtime.test
    def test_canary_policy_invoke_sends_its_arguments_and_returns_a_typed_policy(self):
        result = agent_alias.canary_policy(
            from_="support-v1",
            to="support-v2",
            partition_by="get('$.session.metadata.user_id', '')",
            current="canary-20",
            stages=[agent_alias.CanaryStage(name="canary-20", weights=[80, 20])],
        )
        call = mocks.calls[-1]
        self.assertEqual(call.token, "agent-alias:index:canaryPolicy")
        sent = {k: v for k, v in plain(call.args).items() if v is not None}
        self.assertEqual(
            sent,
            {
                "from": "support-v1",
                "to": "support-v2",
                "partitionBy": "get('$.session.metadata.user_id', '')",
                "current": "canary-20",
                "stages": [{"name": "canary-20", "weights": [80, 20]}],
            },
        )
        self.assertIsInstance(result.policy, agent_alias.outputs.Policy)
        options = result.policy.rules[0].targets.options
        self.assertEqual([(o.agent_key, o.weight) for o in options], [("support-v1", 80), ("support-v2", 20)])

    @pulumi.runtime.test
    def test_the_readme_program_declares_its_alias_with_the_schema_names(self):
        readme = pathlib.Path(__file__).parents[3] / "sdk" / "python" / "README.md"
        program = re.search(r"```python\n(.*?)```", readme.read_text(), re.S).group(1)
        scope = {"__name__": "readme"}
        exec(compile(program, str(readme), "exec"), scope)

        def check(_):
            reg = mocks.registered["support"]
            inputs = plain(reg.inputs)
            self.assertEqual(inputs["key"], "support")
            self.assertEqual(
                [s.get("expect") for s in inputs["samples"]], ["support-eu", None]
            )
            before = {k: v for k, v in plain(mocks.calls[-1].args).items() if v is not None}["before"]
            self.assertEqual(
                before,
                [
                    {
                        "match": "get('$.session.metadata.tenant') == 'eu'",
                        "targets": {"type": "single", "agentKey": "support-eu"},
                    }
                ],
            )

        return scope["support"].urn.apply(check)

    def test_required_inputs_are_enforced_by_the_sdk(self):
        with self.assertRaisesRegex(TypeError, "policy"):
            agent_alias.Alias("no-policy", key="k", name="N")


if __name__ == "__main__":
    unittest.main()
