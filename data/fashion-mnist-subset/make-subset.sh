#!/bin/sh
# Regenerates the Fashion-MNIST subset in this directory from the full IDX files.
# Usage: sh make-subset.sh [SRC_DIR]   (default SRC_DIR=/usr/share/datasets/fashion-mnist)
# Keeps the FIRST 4000 training and FIRST 2000 test images/labels, in file order, unchanged.
# Only the count field of each IDX header is rewritten; gzip -n (no name/timestamp) -9.
set -eu
SRC=${1:-/usr/share/datasets/fashion-mnist}
OUT=$(dirname "$0")
cut_idx() { # $1=name  $2=count  $3=bytes per item  $4=header (printf escapes, count included)
  { printf "$4"; gzip -dc "$SRC/$1.gz" | tail -c +$(( $5 + 1 )) | head -c $(( $2 * $3 )); } | gzip -n -9 > "$OUT/$1.gz"
}
# images header: magic 0x00000803, count, 28, 28 (16 bytes); labels header: magic 0x00000801, count (8 bytes)
cut_idx train-images-idx3-ubyte 4000 784 '\000\000\010\003\000\000\017\240\000\000\000\034\000\000\000\034' 16
cut_idx train-labels-idx1-ubyte 4000 1   '\000\000\010\001\000\000\017\240' 8
cut_idx t10k-images-idx3-ubyte  2000 784 '\000\000\010\003\000\000\007\320\000\000\000\034\000\000\000\034' 16
cut_idx t10k-labels-idx1-ubyte  2000 1   '\000\000\010\001\000\000\007\320' 8
