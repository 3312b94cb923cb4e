/**
 * The platform modules, in deployment order. Each one declares its part of a node (and, once,
 * its shared resources) from the typed topology; see stacks/context.ts for the contract.
 */
import type { PlatformModule } from "./context";

export const MODULES: PlatformModule[] = [];
