package main

import (
	"fmt"
	"reflect"
	"strconv"
	"sync"
	"testing"

	"github.com/pulumi-agent-alias/pulumi-agent-alias/sdk/go/agentalias"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

const createdAt = "2025-01-02T03:04:05.678Z"

// mocks records each registration and call, and answers like the provider: a resource's
// outputs are its inputs, plus createdAt and updatedAt for an alias; canaryPolicy answers
// with a one-rule split at fixed weights.
type mocks struct {
	mu         sync.Mutex
	registered map[string]pulumi.MockResourceArgs
	calls      []pulumi.MockCallArgs
}

func (m *mocks) NewResource(args pulumi.MockResourceArgs) (string, resource.PropertyMap, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.registered[args.Name] = args
	outputs := args.Inputs.Copy()
	if args.TypeToken == "agent-alias:index:Alias" {
		outputs["createdAt"] = resource.NewStringProperty(createdAt)
		outputs["updatedAt"] = resource.NewStringProperty(createdAt)
		outputs["enabled"] = resource.NewBoolProperty(true)
	}
	return args.Name + "-id", outputs, nil
}

func (m *mocks) Call(args pulumi.MockCallArgs) (resource.PropertyMap, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.calls = append(m.calls, args)
	if args.Token != "agent-alias:index:canaryPolicy" {
		return nil, fmt.Errorf("no such function: %s", args.Token)
	}
	in := args.Args.Mappable()
	split := map[string]any{
		"type":         "weighted",
		"partitionBy": in["partitionBy"],
		"options": []any{
			map[string]any{"agentKey": in["from"], "weight": 80},
			map[string]any{"agentKey": in["to"], "weight": 20},
		},
	}
	policy := map[string]any{"type": "routed", "rules": []any{map[string]any{"targets": split}}}
	return resource.NewPropertyMapFromMap(map[string]any{"policy": policy}), nil
}

// wire is the policy as the engine holds it: the names the schema gives (agentKey,
// partitionBy; the plugin maps them to the API's agent_key), whatever the Go field names are.
var wire = map[string]any{
	"type": "routed",
	"rules": []any{
		map[string]any{
			"match":   "get('$.session.metadata.tier', '') == 'gold'",
			"targets": map[string]any{"type": "single", "agentKey": "support-gold"},
		},
		map[string]any{
			"targets": map[string]any{
				"type":         "weighted",
				"partitionBy": "get('$.session.metadata.user_id', '')",
				"options": []any{
					map[string]any{"agentKey": "support-v1", "weight": float64(95)},
					map[string]any{"agentKey": "support-v2", "weight": float64(5)},
				},
			},
		},
	},
}

// TestProgramUnderMocks runs the program's resources under Pulumi's mocks: the inputs reach
// the engine under the schema's names, and the engine's outputs come back as typed outputs.
func TestProgramUnderMocks(t *testing.T) {
	m := &mocks{registered: map[string]pulumi.MockResourceArgs{}}
	outputs := map[string]string{}
	var outMu sync.Mutex
	// RunErr returns once every apply has run, so the map is complete by then (an output that
	// never resolved is missing from it, and the comparison below says which).
	collect := func(name string, out pulumi.StringOutput) {
		out.ApplyT(func(v string) string {
			outMu.Lock()
			outputs[name] = v
			outMu.Unlock()
			return v
		})
	}

	err := pulumi.RunErr(func(ctx *pulumi.Context) error {
		alias, owned, err := declare(ctx)
		if err != nil {
			return err
		}
		// Outputs read back through the SDK's typed outputs.
		collect("createdAt", alias.CreatedAt)
		collect("key", alias.Key)
		collect("firstAgent", alias.Policy.Rules().Index(pulumi.Int(0)).Targets().AgentKey().Elem())
		collect("partitionBy", alias.Policy.Rules().Index(pulumi.Int(1)).Targets().PartitionBy().Elem())
		collect("secondWeight", alias.Policy.Rules().Index(pulumi.Int(1)).Targets().Options().
			Index(pulumi.Int(1)).Weight().ApplyT(func(w int) string { return strconv.Itoa(w) }).(pulumi.StringOutput))
		collect("ownedAliasKey", owned.AliasKey)
		return nil
	}, pulumi.WithMocks("go-program", "test", m))
	if err != nil {
		t.Fatalf("program failed: %v", err)
	}

	support, ok := m.registered["support"]
	if !ok {
		t.Fatalf("no alias registered; got %v", keys(m.registered))
	}
	if support.TypeToken != "agent-alias:index:Alias" {
		t.Errorf("alias type = %q", support.TypeToken)
	}
	in := support.Inputs.Mappable()
	if in["key"] != "support" || in["name"] != "Support" {
		t.Errorf("key/name inputs = %v/%v", in["key"], in["name"])
	}
	assertEqual(t, "alias policy input", in["policy"], wire)
	assertEqual(t, "alias samples input", in["samples"], []any{map[string]any{
		"name":    "gold",
		"context": map[string]any{"session": map[string]any{"metadata": map[string]any{"tier": "gold"}}},
		"expect":  "support-gold",
	}})
	if _, has := in["createdAt"]; has {
		t.Errorf("createdAt is an output, yet it was sent as an input")
	}

	owned, ok := m.registered["billing-policy"]
	if !ok {
		t.Fatalf("no alias policy registered; got %v", keys(m.registered))
	}
	if owned.TypeToken != "agent-alias:index:AliasPolicy" {
		t.Errorf("alias policy type = %q", owned.TypeToken)
	}
	assertEqual(t, "alias policy inputs", owned.Inputs.Mappable(), map[string]any{"aliasKey": "billing", "policy": wire})

	want := map[string]string{
		"createdAt":     createdAt,
		"key":           "support",
		"firstAgent":    "support-gold",
		"partitionBy":   "get('$.session.metadata.user_id', '')",
		"secondWeight":  "5",
		"ownedAliasKey": "billing",
	}
	assertEqual(t, "outputs", outputs, want)
}

// TestCanaryPolicyInvoke calls the canaryPolicy function under mocks: its arguments go out
// under the schema's names and its result comes back as the SDK's Policy.
func TestCanaryPolicyInvoke(t *testing.T) {
	m := &mocks{registered: map[string]pulumi.MockResourceArgs{}}
	var got *agentalias.CanaryPolicyResult
	err := pulumi.RunErr(func(ctx *pulumi.Context) error {
		var err error
		got, err = agentalias.CanaryPolicy(ctx, &agentalias.CanaryPolicyArgs{
			From:        "support-v1",
			To:          "support-v2",
			PartitionBy: "get('$.session.metadata.user_id', '')",
			Current:     "canary-20",
			Stages:      []agentalias.CanaryStage{{Name: "canary-20", Weights: []int{80, 20}}},
		})
		return err
	}, pulumi.WithMocks("go-program", "test", m))
	if err != nil {
		t.Fatalf("program failed: %v", err)
	}
	if len(m.calls) != 1 || m.calls[0].Token != "agent-alias:index:canaryPolicy" {
		t.Fatalf("calls = %v", m.calls)
	}
	sent := map[string]any{}
	for k, v := range m.calls[0].Args.Mappable() {
		if v != nil {
			sent[k] = v
		}
	}
	assertEqual(t, "canaryPolicy arguments", sent, map[string]any{
		"from":        "support-v1",
		"to":          "support-v2",
		"partitionBy": "get('$.session.metadata.user_id', '')",
		"current":     "canary-20",
		"stages":      []any{map[string]any{"name": "canary-20", "weights": []any{float64(80), float64(20)}}},
	})
	options := got.Policy.Rules[0].Targets.Options
	assertEqual(t, "canaryPolicy result", options, []agentalias.WeightedOption{
		{AgentKey: "support-v1", Weight: 80},
		{AgentKey: "support-v2", Weight: 20},
	})
}

func keys(m map[string]pulumi.MockResourceArgs) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

func assertEqual(t *testing.T, what string, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s:\n got  %#v\n want %#v", what, got, want)
	}
}
