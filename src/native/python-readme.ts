/**
 * The Python SDK's README (the package page on PyPI): install, the plugin, configuration and
 * a complete program. The schema carries it (`language.python.readme`) and Pulumi's Python
 * generator writes it as sdk/python/README.md; test/native/python/test_alias_mocks.py runs its
 * program under Pulumi's mocks.
 */
/** The README for `version`, the plugin downloaded from `downloadUrl` (the schema's pluginDownloadURL). */
export const pythonReadme = (version: string, downloadUrl: string): string =>
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the engine's placeholder, replaced by the version
  readmeText(version, downloadUrl.replace("${VERSION}", version));

const readmeText = (version: string, url: string): string => `# pulumi_agent_alias

Infrastructure as code for agent aliases, in Python: an alias is a stable public name in front
of your AI agents, whose ordered rules route each new session to one agent, or split sessions
across agents by weight, sticky per user. \`pulumi preview\` resolves each sample session with
the same resolver as the API, so a broken rule fails the preview, not production.

## Install

\`\`\`sh
pip install pulumi_agent_alias==${version}
\`\`\`

The provider plugin \`agent-alias\` is a self-contained executable (no Node.js needed): the
Pulumi engine downloads it on first use from the release the SDK names
(\`${url}\`). Offline, install it from a release
archive: \`pulumi plugin install resource agent-alias ${version} --file
pulumi-resource-agent-alias-v${version}-<os>-<arch>.tar.gz\`.

## Configure

\`agent-alias:apiUrl\` (default \`https://api.vectara.io\`) and the secret
\`agent-alias:apiKey\`, or an OAuth client (\`agent-alias:clientId\`, the secret
\`agent-alias:clientSecret\`, \`agent-alias:authUrl\`); each falls back to its environment
variable (\`AGENT_ALIAS_API_URL\`, \`VECTARA_API_KEY\`, ...).

\`\`\`sh
pulumi config set agent-alias:apiUrl http://127.0.0.1:8742   # the emulator, or leave unset
pulumi config set --secret agent-alias:apiKey YOUR-KEY
\`\`\`

## A complete program

\`__main__.py\`: a canary of support-v2 at the stage the stack config names, and a tenant rule.

\`\`\`python
import pulumi
import pulumi_agent_alias as agent_alias

stage = pulumi.Config().get("canaryStage") or "canary-5"

canary = agent_alias.canary_policy_output(
    from_="support-v1",
    to="support-v2",
    partition_by="get('$.session.metadata.user_id', get('$.session.key'))",
    current=stage,  # baseline, canary-5, canary-20, canary-50, complete
    before=[
        agent_alias.RuleArgs(
            match="get('$.session.metadata.tenant') == 'eu'",
            targets=agent_alias.TargetArgs(type="single", agent_key="support-eu"),
        )
    ],
).policy

support = agent_alias.Alias(
    "support",
    key="support",
    name="Customer Support",
    policy=canary,
    samples=[
        agent_alias.SampleArgs(
            name="eu tenant", context={"session": {"metadata": {"tenant": "eu"}}}, expect="support-eu"
        ),
        agent_alias.SampleArgs(name="alice", context={"session": {"metadata": {"user_id": "alice"}}}),
    ],
)

pulumi.export("aliasKey", support.key)
\`\`\`

\`pulumi preview\` prints where each sample goes; \`pulumi config set canaryStage canary-20\`
then \`pulumi up\` moves about 15% of users from support-v1 to support-v2, no one back.
Policies name their fields as Python does (\`agent_key\`, \`partition_by\`); the API's JSON
names them the same.
`;
