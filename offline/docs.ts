/** The generated sections of README.md, computed from the committed config. */
import * as path from "node:path";
import { readStackConfig } from "./render";
import { serviceDistributionMarkdown } from "../components/apps/module";
import { renderAlertTableForTopology } from "../components/monitoring/docs";
import { GeneratedSection, platformServiceTable } from "../stacks/docs";
import { MODULES } from "../stacks/modules";
import { topologySchema } from "../stacks/schema";

export function readmeSections(): GeneratedSection[] {
    const root = path.resolve(__dirname, "..");
    const topology = topologySchema.parse(readStackConfig(root, "node1").config["daarion:topology"]);
    return [
        { name: "services", content: serviceDistributionMarkdown(topology) },
        { name: "platform", content: platformServiceTable(topology, MODULES) },
        { name: "alerts", content: renderAlertTableForTopology(topology, MODULES) },
    ];
}
