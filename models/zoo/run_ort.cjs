// Runs each zoo model once in ONNX Runtime (onnxruntime-node) on a seeded random input of the
// suggested shapes and prints, as JSON, each model's output shapes or its error. Used by zoo_inspect.py:
// it writes the request (a JSON list of {name, path, inputs: [{name, type, dims}]}) to the file
// given as argv[2]. onnxruntime-node must be resolvable: set NODE_PATH to a node_modules holding it.
const ort = require('onnxruntime-node');
const fs = require('fs');

let seed = 12345;
function rand() { // xorshift32, uniform in [-1, 1)
  seed ^= seed << 13; seed >>>= 0; seed ^= seed >>> 17; seed ^= seed << 5; seed >>>= 0;
  return seed / 2147483648 - 1;
}

function tensor(spec) {
  const n = spec.dims.reduce((a, b) => a * b, 1);
  switch (spec.type) {
    case 'float': { const d = new Float32Array(n); for (let i = 0; i < n; i++) d[i] = spec.zero ? 0 : rand(); return new ort.Tensor('float32', d, spec.dims); }
    case 'int64': return new ort.Tensor('int64', BigInt64Array.from({ length: n }, () => BigInt(spec.value ?? 0)), spec.dims);
    default: throw new Error('unsupported input type ' + spec.type);
  }
}

(async () => {
  const req = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
  const out = {};
  for (const m of req) {
    try {
      const s = await ort.InferenceSession.create(m.path);
      const feeds = {};
      for (const i of m.inputs) feeds[i.name] = tensor(i);
      const t0 = process.hrtime.bigint();
      const r = await s.run(feeds);
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      out[m.name] = { ok: true, ms, outputs: s.outputNames.map(n => ({ name: n, dims: r[n].dims, type: r[n].type })) };
    } catch (e) {
      out[m.name] = { ok: false, error: String(e).split('\n')[0] };
    }
  }
  console.log(JSON.stringify({ ort: ort.env.versions, results: out }));
})();
