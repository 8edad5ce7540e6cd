// npm mjml's mjml2html in one warm Node process: the peer of postbode's
// in-process mrml compile in `bench/run`. Node's start-up and mjml's module
// loading are paid before the clock runs, so what is timed is the compile.
//
//   node bench/mjml_warm.js NODE_MODULES_DIR FILE.mjml WARMUP RUNS
//
// Prints one JSON line: {"version", "runs", "median_ms", "min_ms", "max_ms", "html_bytes"}.
"use strict";

const fs = require("fs");
const path = require("path");

const [modules, file, warmupArg, runsArg] = process.argv.slice(2);
if (!modules || !file) {
  console.error("usage: node mjml_warm.js NODE_MODULES_DIR FILE.mjml [WARMUP] [RUNS]");
  process.exit(2);
}
const warmup = Number(warmupArg || 10);
const runs = Number(runsArg || 100);
const mjml2html = require(path.join(modules, "mjml"));
const version = require(path.join(modules, "mjml", "package.json")).version;
const source = fs.readFileSync(file, "utf8");

// postbode renders without comments; so does the peer.
const options = { keepComments: false, validationLevel: "soft" };
let html = "";
const compile = () => {
  const out = mjml2html(source, options);
  if (!out.html) {
    throw new Error("mjml2html produced no HTML: " + JSON.stringify(out.errors));
  }
  html = out.html;
};
for (let i = 0; i < warmup; i++) compile();
const times = [];
for (let i = 0; i < runs; i++) {
  const t = process.hrtime.bigint();
  compile();
  times.push(Number(process.hrtime.bigint() - t) / 1e6);
}
times.sort((a, b) => a - b);
console.log(
  JSON.stringify({
    version,
    runs,
    median_ms: times[Math.floor(times.length / 2)],
    min_ms: times[0],
    max_ms: times[times.length - 1],
    html_bytes: Buffer.byteLength(html),
  })
);
