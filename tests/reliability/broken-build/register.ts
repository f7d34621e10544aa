/**
 * `node --import` this before server/main.ts to run a deliberately broken build: core/merge.ts
 * without its version check (see hooks.ts). Only the test of the concurrency test uses it.
 */
import { register } from 'node:module';

register('./hooks.ts', import.meta.url);
