#!/usr/bin/env node
// Usage: copy next to a node_modules holding mermaid@11 and jsdom (ES modules
// resolve from the script's folder), then: node check-mermaid.mjs FILE.mmd
// Parses a Mermaid file with the mermaid package (in a jsdom window, which
// its sanitiser needs); exits 1 on a parse error.
import fs from 'node:fs';
import { JSDOM } from 'jsdom';
const dom = new JSDOM('<!doctype html><html><body></body></html>');
globalThis.window = dom.window;
globalThis.document = dom.window.document;
const { default: mermaid } = await import('mermaid');
const text = fs.readFileSync(process.argv[2], 'utf8');
try {
  const r = await mermaid.parse(text);
  console.log('ok', JSON.stringify(r));
} catch (e) { console.error('parse error:', e.message ?? e); process.exit(1); }
