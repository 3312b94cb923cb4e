// Stand-in `command` provider (issue 15 item 2): remote.Command, the one command resource this
// program uses (components/node/index.ts, the host readiness check). It does NOT SSH anywhere: the
// tests have no host to reach, and test traffic stays on 127.0.0.0/8. A created or updated command
// "ran" with empty stdout/stderr; the program only orders resources after it (dependsOn).
//
// Source: pulumi/pulumi-command@v1.2.1 (the @pulumi/command version in package-lock.json), a native
// provider on pulumi-go-provider's infer:
//   - provider/pkg/provider/common/inputs.go:10 `Triggers ... provider:"replaceOnChanges"`, the only
//     replacing input (schema.json command:remote:Command inputProperties.triggers.replaceOnChanges);
//     every other input change is an Update, which re-runs `update`, or `create` when there is no
//     `update` (provider/pkg/provider/remote/commandController.go:63-83).
//   - the id is resource.NewUniqueHex(name, 8, 0) (commandController.go:40).
import * as crypto from "node:crypto";
import { type ProviderTable, serve } from "./engine";

const CMD = "pulumi/pulumi-command@v1.2.1";

export const commandTable: ProviderTable = {
    name: "command",
    version: "1.2.1",
    resources: {
        "command:remote:Command": {
            source: `${CMD}:provider/pkg/provider/remote/commandController.go`,
            required: ["connection"],
            replaceOn: { triggers: `${CMD}:provider/pkg/provider/common/inputs.go:10 replaceOnChanges` },
            computed: { stdout: () => "", stderr: () => "" },
            recomputeOnUpdate: ["stdout", "stderr"],
            id: (_i, { name }) => `${name}${crypto.randomBytes(4).toString("hex")}`,
        },
    },
};

if (require.main === module) serve(commandTable);
