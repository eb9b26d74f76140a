// A Pulumi program in Go over the generated Go SDK (sdk/go): one alias with a canary split
// and its samples, and a policy owned apart from its alias. test/native/sdk-go.test.ts builds
// it and runs main_test.go, which runs the same program under Pulumi's mocks.
package main

import (
	"github.com/pulumi-agent-alias/pulumi-agent-alias/sdk/go/agentalias"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

func main() {
	pulumi.Run(program)
}

// canary is the routing policy both resources use: gold-tier sessions to one agent, the
// rest split 95/5, sticky on the user id.
func canary() agentalias.PolicyArgs {
	return agentalias.PolicyArgs{
		Type: pulumi.String("routed"),
		Rules: agentalias.RuleArray{
			agentalias.RuleArgs{
				Match: pulumi.String("get('$.session.metadata.tier', '') == 'gold'"),
				Targets: agentalias.TargetArgs{
					Type:      pulumi.String("single"),
					AgentKey: pulumi.String("support-gold"),
				},
			},
			agentalias.RuleArgs{
				Targets: agentalias.TargetArgs{
					Type:         pulumi.String("weighted"),
					PartitionBy: pulumi.String("get('$.session.metadata.user_id', '')"),
					Options: agentalias.WeightedOptionArray{
						agentalias.WeightedOptionArgs{AgentKey: pulumi.String("support-v1"), Weight: pulumi.Int(95)},
						agentalias.WeightedOptionArgs{AgentKey: pulumi.String("support-v2"), Weight: pulumi.Int(5)},
					},
				},
			},
		},
	}
}

// declare registers the program's resources; main_test.go reads their outputs back.
func declare(ctx *pulumi.Context) (*agentalias.Alias, *agentalias.AliasPolicy, error) {
	alias, err := agentalias.NewAlias(ctx, "support", &agentalias.AliasArgs{
		Key:    pulumi.String("support"),
		Name:   pulumi.String("Support"),
		Policy: canary(),
		Samples: agentalias.SampleArray{
			agentalias.SampleArgs{
				Name:    pulumi.String("gold"),
				Context: pulumi.Map{"session": pulumi.Map{"metadata": pulumi.Map{"tier": pulumi.String("gold")}}},
				Expect:  pulumi.String("support-gold"),
			},
		},
	})
	if err != nil {
		return nil, nil, err
	}
	owned, err := agentalias.NewAliasPolicy(ctx, "billing-policy", &agentalias.AliasPolicyArgs{
		AliasKey: pulumi.String("billing"),
		Policy:   canary(),
	})
	if err != nil {
		return nil, nil, err
	}
	return alias, owned, nil
}

func program(ctx *pulumi.Context) error {
	alias, owned, err := declare(ctx)
	if err != nil {
		return err
	}
	ctx.Export("aliasKey", alias.Key)
	ctx.Export("createdAt", alias.CreatedAt)
	ctx.Export("firstAgent", alias.Policy.Rules().Index(pulumi.Int(0)).Targets().AgentKey())
	ctx.Export("ownedAliasKey", owned.AliasKey)
	return nil
}
