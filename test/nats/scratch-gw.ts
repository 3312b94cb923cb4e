import { renderNatsServerConfig } from "../../components/nats/render";
import { loopbackTopology, NODE_IPS } from "./fixtures";
import * as fs from "fs";
const base = loopbackTopology(["node1","node2"], []);
const domain = process.argv[2];
const spec = { ...base, clusters: [...base.clusters, { name: "dr", servers: [{ name: "dr-node4", node: "node4", host: NODE_IPS.node4 }, { name: "dr-node5", node: "node5", host: NODE_IPS.node5 }], jetstream: { domain, maxMemory: "32M", maxFile: "256M" } }] };
for (const s of ["core-node1","core-node2","dr-node4","dr-node5"]) {
  fs.mkdirSync(`/tmp/nx/gw/${s}`, {recursive:true});
  fs.writeFileSync(`/tmp/nx/gw/${s}.conf`, renderNatsServerConfig(spec, s, {storeDir: `/tmp/nx/gw/${s}`}));
}
