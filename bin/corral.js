#!/usr/bin/env node
// The `corral` command. Node 22.18+ runs the TypeScript sources directly.
import { main } from '../src-main/cli/main.ts';

process.exitCode = await main(process.argv.slice(2));
