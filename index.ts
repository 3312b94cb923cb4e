/**
 * Entry point of every stack: read and validate config, then declare this stack's slice of the
 * platform (stacks/program.ts). `pulumi up` runs it; so does the offline render under mocks.
 */
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, loadConfig, readPulumiConfig, readStackSecrets } from "./stacks/config";
import { deployPlatform } from "./stacks/program";

export = async (): Promise<Record<string, unknown>> => {
    let config;
    try {
        config = loadConfig(pulumi.getStack(), readPulumiConfig());
    } catch (err) {
        // RunError prints its message without a stack trace: the message already names file and key.
        if (err instanceof ConfigError) throw new pulumi.RunError(err.message);
        throw err;
    }
    return deployPlatform(config, { stackSecrets: readStackSecrets() });
};
