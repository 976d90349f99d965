// Bundles the pages' scripts and styles from npm packages into app/web/static/build/ (not
// committed; `make run` and `make test` build it). No CDN: every byte is served by OneWindow.
import * as esbuild from "esbuild";
import { cpSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..", "..");
const out = join(here, "..", "static", "build");
mkdirSync(out, { recursive: true });

await esbuild.build({
  entryPoints: {
    taskform: join(here, "taskform.js"),
    diagram: join(here, "diagram.js"),
    modeler: join(here, "modeler.js"),
    board: join(here, "board.js"),
    tablet: join(here, "tablet.js"),
    guideeditor: join(here, "guideeditor.js"),
  },
  bundle: true,
  minify: true,
  format: "iife",
  target: "es2020",  // a hall's old PC: Chrome or Firefox from 2020 on
  outdir: out,
  loader: { ".woff": "file", ".woff2": "file", ".ttf": "file", ".eot": "file", ".svg": "file" },
  logLevel: "warning",
});

// Stylesheets of the libraries, copied as they are published.
const nm = join(root, "node_modules");
cpSync(join(nm, "bpmn-js", "dist", "assets"), join(out, "bpmn-js"), { recursive: true });
cpSync(join(nm, "@bpmn-io", "form-js-viewer", "dist", "assets"), join(out, "form-js"), { recursive: true });
cpSync(join(nm, "@bpmn-io", "properties-panel", "dist", "assets"), join(out, "properties-panel"), { recursive: true });
cpSync(join(nm, "@bpmn-io", "form-js-editor", "dist", "assets"), join(out, "form-js-editor"), { recursive: true });
cpSync(join(nm, "bpmn-js-bpmnlint", "dist", "assets"), join(out, "bpmnlint"), { recursive: true });
// the editor draws its canvas with its own viewer (1.x): its stylesheet, not the task pages' 2.x one
cpSync(join(nm, "@bpmn-io", "form-js-editor", "node_modules", "@bpmn-io", "form-js-viewer", "dist", "assets"),
       join(out, "form-js-editor", "viewer"), { recursive: true });
console.log("built", out);
