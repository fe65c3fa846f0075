#!/usr/bin/env node
// First: it decides colour before Ink's chalk loads.
import './cli/colour.js';
import { createProgram } from './cli/program.js';

await createProgram().parseAsync(process.argv);
