#!/usr/bin/env bash
# The shipped models' per-layer speedups under both timing profiles (CNV2-MODEL.md section 4a):
# writes docs/results/timing-profiles.md. Usage: bash docs/results/timing-profiles.sh [LIMIT]
# (LIMIT images of the full Fashion-MNIST test set; default 10000).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
LIMIT="${1:-10000}"
OUT="$ROOT/docs/results/timing-profiles.md"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
cd "$ROOT"
for model in cnn lstm; do
  case $model in
    cnn) args=(--dataset fashion-mnist --limit "$LIMIT");;
    lstm) args=(--model models/fashion-mnist-lstm/fashion_lstm.onnx --dataset fashion-mnist-sample);;
  esac
  for timing in isca2016 ideal; do
    for arch in cnv cnv2; do
      ./cnv2 run "${args[@]}" --arch "$arch" --timing "$timing" \
          --no-progress --csv "$TMP/$model-$arch-$timing.csv" --json "$TMP/$model-$arch-$timing.json" >/dev/null
    done
  done
done
python3 - "$TMP" "$LIMIT" > "$OUT" <<'PY'
import csv, json, sys, os
tmp, limit = sys.argv[1], sys.argv[2]
print("# The shipped models under both timing profiles\n")
print(f"Made by `bash docs/results/timing-profiles.sh {limit}` (CNN: {limit} images of the Fashion-MNIST test set; "
      "LSTM: the 1,000 shipped sample images; threshold 0, CNV2 with its defaults: ZFNAf at output, filter-lanes weight skipping, no pruning). "
      "Speedup = DaDN cycles / design cycles, both under the same profile (CNV2-MODEL.md section 4a).\n")
for model, title in (("cnn", "Fashion-MNIST CNN (`models/fashion-mnist/fashion_cnn.onnx`)"),
                     ("lstm", "Fashion-MNIST LSTM (`models/fashion-mnist-lstm/fashion_lstm.onnx`), network totals (its 56 gate layers are fully connected)")):
    print(f"## {title}\n")
    runs = {}
    for arch in ("cnv", "cnv2"):
        for timing in ("isca2016", "ideal"):
            runs[(arch, timing)] = json.load(open(os.path.join(tmp, f"{model}-{arch}-{timing}.json")))
    layers = {}
    order = []
    for (arch, timing), r in runs.items():
        for l in r["layers"]:
            if l["placement"] != "accelerator":
                continue
            key = l["name"]
            if key not in layers:
                layers[key] = {}
                order.append(key)
            d = layers[key].setdefault((arch, timing), [0, 0])
            d[0] += l["cyclesPerImage"]
            d[1] += l["baselineCyclesPerImage"]
    print("| layer | DaDN cycles/img isca2016 | CNV isca2016 | CNV2 isca2016 | DaDN cycles/img ideal | CNV ideal | CNV2 ideal |")
    print("|---|---|---|---|---|---|---|")
    rows = order if model == "cnn" else []
    for key in rows:
        v = layers[key]
        sp = lambda a, t: v[(a, t)][1] / v[(a, t)][0] if v[(a, t)][0] else float("nan")
        print(f"| {key} | {v[('cnv','isca2016')][1]:,.0f} | {sp('cnv','isca2016'):.2f} | {sp('cnv2','isca2016'):.2f} | "
              f"{v[('cnv','ideal')][1]:,.0f} | {sp('cnv','ideal'):.2f} | {sp('cnv2','ideal'):.2f} |")
    tot = {k: (r["totals"]["cyclesPerImage"], r["totals"]["speedup"]) for k, r in runs.items()}
    dadn = {t: tot[("cnv", t)][0] * tot[("cnv", t)][1] for t in ("isca2016", "ideal")}
    print(f"| **network** | {dadn['isca2016']:,.0f} | {tot[('cnv','isca2016')][1]:.2f} | {tot[('cnv2','isca2016')][1]:.2f} | "
          f"{dadn['ideal']:,.0f} | {tot[('cnv','ideal')][1]:.2f} | {tot[('cnv2','ideal')][1]:.2f} |")
    top = runs[("cnv", "isca2016")]["accuracy"]
    if top and top.get("labelled"):
        print(f"\n16-bit top-1 {100 * top['fixedTop1']:.2f} % (float {100 * top['floatTop1']:.2f} %), the same under "
              "every profile and design (timing never changes an output).")
    print()
PY
echo "wrote $OUT"
