/**
 * The platform modules, in deployment order. Each one declares its part of a node (and, once,
 * its shared resources) from the typed topology; see stacks/context.ts for the contract.
 */
import { agentModule } from "../components/agent/module";
import { daedalusModule } from "../components/apps/daedalus-module";
import { appsModule } from "../components/apps/module";
import { ingressModule } from "../components/ingress/module";
import { minioModule } from "../components/minio/module";
import { monitoringModule } from "../components/monitoring/module";
import { natsModule } from "../components/nats/module";
import { neo4jModule } from "../components/neo4j/module";
import { postgresModule } from "../components/postgres/module";
import { qdrantModule } from "../components/qdrant/module";
import { redisModule } from "../components/redis/module";
import type { PlatformModule } from "./context";

export const MODULES: PlatformModule[] = [natsModule, postgresModule, redisModule, qdrantModule, neo4jModule, minioModule, appsModule, daedalusModule, ingressModule, agentModule, monitoringModule];
