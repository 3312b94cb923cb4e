/**
 * Entry point of every stack: read and validate config, then declare this stack's slice of the
 * platform (stacks/program.ts). `pulumi up` runs it; so does the offline render under mocks.
 */
import * as pulumi from "@pulumi/pulumi";
import { loadConfig, readPulumiConfig, readStackSecretKeys, readStackSecrets } from "./stacks/config";
import { localDockerEndpoint, readDockerCliConfig } from "./components/node/local-endpoint";
import { deployPlatform } from "./stacks/program";

export = async (): Promise<Record<string, unknown>> => {
    // A bad config throws ConfigError, a pulumi.RunError: `pulumi up` prints its message (one line
    // per error, naming file and key) without a stack trace, the same text `npm run render` prints.
    const config = loadConfig(pulumi.getStack(), readPulumiConfig());
    return deployPlatform(config, {
        stackSecrets: readStackSecrets(),
        stackSecretKeys: readStackSecretKeys(),
        localDocker: localDockerEndpoint(undefined, process.env, readDockerCliConfig(process.env)),
    });
};
