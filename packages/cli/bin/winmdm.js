#!/usr/bin/env node
// The installed command runs the compiled CLI (`npm ci` builds it through the root `prepare` script).
import '../dist/run.js';
