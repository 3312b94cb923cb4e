/**
 * Entry point of every stack: read and validate config, then declare this stack's slice of the
 * platform (stacks/program.ts). `pulumi up` runs it; so does the offline render under mocks.
 */
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, loadConfig, readPulumiConfig, readStackSecretKeys, readStackSecrets } from "./stacks/config";
import { localDockerEndpoint, readDockerCliConfig } from "./components/node/local-endpoint";
import { deployPlatform } from "./stacks/program";

export = async (): Promise<Record<string, unknown>> => {
    try {
        const config = loadConfig(pulumi.getStack(), readPulumiConfig());
        return deployPlatform(config, {
            stackSecrets: readStackSecrets(),
            stackSecretKeys: readStackSecretKeys(),
            localDocker: localDockerEndpoint(undefined, process.env, readDockerCliConfig(process.env)),
        });
    } catch (err) {
        // RunError prints its message without a stack trace: the message already names file and key.
        if (err instanceof ConfigError) throw new pulumi.RunError(err.message);
        throw err;
    }
};
