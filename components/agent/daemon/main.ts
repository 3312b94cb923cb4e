/** Entry: `node agent.js --config /etc/daarion-agent/config.json`. */
import * as fs from "node:fs";
import { AGENT_CONFIG_PATH, parseAgentConfig } from "../config";
import { Agent } from "./agent";
import { startHttp } from "./http";

function main(): void {
    const i = process.argv.indexOf("--config");
    const file = i >= 0 ? process.argv[i + 1] : AGENT_CONFIG_PATH;
    let cfg;
    try {
        cfg = parseAgentConfig(JSON.parse(fs.readFileSync(file, "utf8")), file);
    } catch (e) {
        console.error((e as Error).message);
        process.exit(2);
    }
    const agent = new Agent(cfg);
    const [host, port] = [cfg.listen.slice(0, cfg.listen.lastIndexOf(":")), Number(cfg.listen.slice(cfg.listen.lastIndexOf(":") + 1))];
    const server = startHttp(agent, host, port);
    const stop = () => {
        server.close();
        void agent.stop().then(() => process.exit(0));
    };
    process.on("SIGTERM", stop);
    process.on("SIGINT", stop);
    void agent.run();
}

main();
