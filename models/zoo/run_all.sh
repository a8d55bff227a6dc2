#!/usr/bin/env bash
# Runs every zoo network through `./cnv2 run --arch cnv2` (thresholds 0) and prints one line per
# model: family, placement shares of the MACs, CNV2 speedup over DaDianNao, seconds per input.
# Inputs: seeded noise for the audio models (NumPy), rendered test images for the vision models;
# none of this is real data, so the speedups say what the accelerator does on these inputs only.
#   bash models/zoo/fetch.sh && bash models/zoo/run_all.sh [--limit N] [model-name...]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
limit=4
if [[ "${1:-}" == "--limit" ]]; then limit="$2"; shift 2; fi
/usr/bin/python3 - "$work" "$limit" <<'PY'
import sys, numpy as np
w, n = sys.argv[1], int(sys.argv[2])
r = np.random.default_rng(0)
np.save(f"{w}/sr.npy", np.array(16000, dtype=np.int64))
np.save(f"{w}/v4_input.npy", (r.standard_normal((n, 1, 1536)) * 0.05).astype(np.float32))
np.save(f"{w}/v5_input.npy", (r.standard_normal((n, 1, 576)) * 0.05).astype(np.float32))
np.save(f"{w}/h64.npy", np.zeros((2, 1, 64), np.float32))
np.save(f"{w}/state.npy", np.zeros((2, 1, 128), np.float32))
np.save(f"{w}/audio1280.npy", (r.standard_normal((n, 1, 1280)) * 3000).astype(np.float32))
np.save(f"{w}/mel.npy", r.random((n, 1, 76, 32, 1)).astype(np.float32))
np.save(f"{w}/emb.npy", r.random((n, 1, 25, 96)).astype(np.float32))
PY
# rendered images (java.awt), one folder of one class, as an image-folder dataset
mkdir -p "$work/images/x"
cat > "$work/Render.java" <<'JAVA'
import java.awt.*; import java.awt.image.BufferedImage; import java.io.File; import javax.imageio.ImageIO;
public class Render { public static void main(String[] a) throws Exception {
  java.util.Random r = new java.util.Random(5);
  for (int k = 0; k < Integer.parseInt(a[1]); k++) {
    BufferedImage im = new BufferedImage(512, 512, BufferedImage.TYPE_INT_RGB); Graphics2D g = im.createGraphics();
    g.setColor(new Color(200, 190, 170)); g.fillRect(0, 0, 512, 512);
    for (int i = 0; i < 12; i++) { g.setColor(new Color(r.nextInt(256), r.nextInt(256), r.nextInt(256)));
      g.setStroke(new BasicStroke(2 + r.nextInt(6))); g.drawLine(r.nextInt(512), r.nextInt(512), r.nextInt(512), r.nextInt(512));
      g.fillOval(r.nextInt(400), r.nextInt(400), 30 + r.nextInt(90), 30 + r.nextInt(90)); }
    ImageIO.write(im, "png", new File(a[0] + "/img" + k + ".png")); } } }
JAVA
java "$work/Render.java" "$work/images/x" "$limit"
c="$here/.cache"
run() { # name, then cnv2 options
  local name="$1"; shift
  [[ $# -gt 0 ]] || return 0
  if [[ ${#selected[@]} -gt 0 && ! " ${selected[*]} " =~ " $name " ]]; then return 0; fi
  local t0=$(date +%s.%N)
  "$root/cnv2" run --model "$c/$name.onnx" --arch cnv2 --no-progress --json "$work/$name.json" "$@" > "$work/$name.txt" 2>&1 \
    || { echo "$name: failed: $(tail -1 "$work/$name.txt")"; return 0; }
  local t1=$(date +%s.%N)
  /usr/bin/python3 - "$work/$name.json" "$name" "$t0" "$t1" <<'PY'
import json, sys
r = json.load(open(sys.argv[1])); t = r["totals"]; n = r["images"]
macs = {}
for l in r["layers"]:
    macs[l["placement"]] = macs.get(l["placement"], 0) + l["macs"]
all_ = sum(macs.values())
share = ", ".join(f"{k} {100*v/all_:.1f}%" for k, v in sorted(macs.items()) if v and all_)
print(f"{sys.argv[2]}: {n} input(s); MACs {all_:,} ({share or 'none'}); CNV2 speedup {t['speedup']:.2f}; "
      f"{(float(sys.argv[4]) - float(sys.argv[3])) / max(n, 1):.2f} s per input (whole command)")
PY
}
selected=("$@")
run silero_vad_v4 --input-shape input=1,1536 --input-shape sr= --input-shape h=2,1,64 --input-shape c=2,1,64 \
  --input-tensor input="$work/v4_input.npy" --input-tensor sr="$work/sr.npy" --input-tensor h="$work/h64.npy" \
  --input-tensor c="$work/h64.npy"
run silero_vad_v5 --input-shape input=1,576 --input-shape state=2,1,128 --input-shape sr= \
  --input-tensor input="$work/v5_input.npy" --input-tensor sr="$work/sr.npy" --input-tensor state="$work/state.npy"
run oww_melspectrogram --input-shape input=1,1280 --input-tensor input="$work/audio1280.npy"
run oww_embedding --input-shape input_1=1,76,32,1 --input-tensor input_1="$work/mel.npy"
run oww_hello_deepa --input-tensor onnx::Flatten_0="$work/emb.npy"
for m in blazeface_front_128 blazeface_back_256 isnet_fp16 isnet_quint8; do
  run "$m" --dataset "$work/images" --limit "$limit"
done
for m in mlsd_tiny_320 mlsd_large_512; do
  run "$m" --dataset "$work/images" --limit "$limit" --preprocess <(echo '{"scale": 1.0}')
done
