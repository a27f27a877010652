#!/usr/bin/env bash
# t_hostile.sh — inputs and conditions a hostile or unlucky user brings (issue 13's defects):
# every message must tell the real cause. The network-file cases are in the error corpus
# (tests/golden/errors: static_too_large, seed_too_large).
. "$(dirname "$0")/lib.sh"
cd "$WORK" || exit 2

cat > net.yaml <<'YAML'
input: 4
layers: [64, 1]
epochs: 1
YAML
if ! "$NNCC" net.yaml -o net.c || ! build_c net.c net; then
    fail "hostile: build"; finish
fi

# D6: a write that fails names its cause. A file size limit of 1 KiB makes the weights file
# (1.3 KiB) fail with EFBIG; SIGXFSZ is ignored so the write returns the error instead.
out=$( (trap '' XFSZ; ulimit -f 1; ./net --quiet --out o) 2>&1); rc=$?
if [ $rc -ne 0 ] && echo "$out" | grep -q 'error: cannot write: File too large'; then
    ok "a failed write names its cause (File too large)"
else
    fail "a failed write names its cause (File too large)" "rc $rc: $out"
fi
left=$(ls -A o 2>/dev/null | grep -c 'XXXXXX\|\.[A-Za-z0-9]\{6\}$')
[ "$left" = 0 ] && ok "a failed write leaves no temp file" || fail "a failed write leaves no temp file" "$(ls -A o)"

# A corrupt checkpoint (the fuzzer's finding: counters converted to int unchecked) is refused with
# the tensor named: an epoch of 1e300 became INT_MIN and was accepted.
if ./net --quiet --out ck > /dev/null 2>&1 && $PY - ck/checkpoint.safetensors <<'PY'
import json, struct, sys
p = sys.argv[1]; raw = bytearray(open(p, "rb").read())
n = struct.unpack("<Q", raw[:8])[0]; head = json.loads(raw[8:8 + n])
t = head["train.counters"]; a = 8 + n + t["data_offsets"][0]
raw[a:a + 8] = struct.pack("<d", 1e300) if t["dtype"] == "F64" else raw[a:a + 8]
assert t["dtype"] == "F64", t["dtype"]
open(p, "wb").write(raw)
PY
then
    out=$(./net --quiet --out ck --resume 2>&1); rc=$?
    [ $rc -eq 1 ] && echo "$out" | grep -q 'checkpoint.safetensors: error: corrupt checkpoint: train.counters\[0\] (the epoch) is out of range' &&
        ok "a checkpoint with an epoch of 1e300 is refused, the counter named" ||
        fail "a checkpoint with an epoch of 1e300 is refused, the counter named" "rc $rc: $out"
else
    fail "a checkpoint with an epoch of 1e300 is refused, the counter named" "could not make the checkpoint"
fi

# D5: an IDX path that is a directory says so (it said "corrupt gzip data: Is a directory").
mkdir -p imgs.idx
cat > idx.yaml <<'YAML'
input: 4
layers: [1]
data:
  train: {images: imgs.idx, labels: imgs.idx}
YAML
out=$("$NNCC" idx.yaml --check 2>&1); rc=$?
[ $rc -eq 1 ] && echo "$out" | grep -q 'imgs.idx: is a directory, not an IDX file of images' &&
    ok "an IDX path that is a directory says so" ||
    fail "an IDX path that is a directory says so" "rc $rc: $out"
# A gzip IDX file cut just after its data (no CRC and length trailer) was accepted unchecked.
$PY - <<'PY'
import gzip, struct
imgs = struct.pack(">BBBBIII", 0, 0, 8, 3, 4, 2, 2) + bytes(range(16))
open("lab.gz", "wb").write(gzip.compress(struct.pack(">BBBBI", 0, 0, 8, 1, 4) + bytes([0, 1, 0, 1])))
open("img.gz", "wb").write(gzip.compress(imgs))
open("cut.gz", "wb").write(gzip.compress(imgs)[:-8])
PY
for f in img cut; do printf 'input: [2, 2]\nlayers: [1]\ndata:\n  train: {images: %s.gz, labels: lab.gz}\n' $f > $f.yaml; done
out=$("$NNCC" cut.yaml --check 2>&1); rc=$?
if "$NNCC" img.yaml --check > /dev/null && [ $rc -eq 1 ] &&
   echo "$out" | grep -q 'cut.gz: corrupt gzip data after 16 bytes of images: unexpected end of file'; then
    ok "a gzip IDX file without its trailer is refused (a whole one loads)"
else
    fail "a gzip IDX file without its trailer is refused (a whole one loads)" "rc $rc: $out"
fi
# D2, D5: a CSV path that is an endless stream of NULs stops at the first one (it read 2 GB
# before running out of memory); a NUL in a field is named with its line; CR-only line ends say so
# (they said "no data rows after the header").
ln -sf /dev/zero zero.csv
printf 'a,b,c,d,y\r1,2,3,4,0\r' > cr.csv
printf 'a,b,c,d,y\n1,2,3,4,0\n1,2\0003,4,0\n' > nul.csv
for case in "zero:zero.csv:1: a NUL byte (byte 1)" "nul:nul.csv:3: a NUL byte (byte 24)" "cr:cr.csv: the lines end in CR alone"; do
    name=${case%%:*} want=${case#*:}
    printf 'input: 4\nlayers: [1]\ndata:\n  train: %s.csv\n' "$name" > csv_$name.yaml
    out=$("$NNCC" csv_$name.yaml --check 2>&1); rc=$?
    [ $rc -eq 1 ] && echo "$out" | grep -qF "$want" && ok "CSV $name: $want" || fail "CSV $name: $want" "rc $rc: $out"
done
# ---- D2, streams: rt_csv.c parses as it reads, through a bounded buffer ---- begin ------------
# A CSV path that is an endless stream was read whole before a row was parsed: memory grew until
# it ran out, or forever. Now a stream of binary bytes, one endless line, or rows that do not fit
# (through nncc's data check, and through --predict -) stops at its line with a peak RSS of a
# few MB (GNU time's, when installed); a stream of valid rows under a 1 GB address-space limit
# ends in a located "out of memory" (without one, at half the machine's memory). The limits also
# keep a regressed loader from eating the machine; sanitizers reserve terabytes of address space,
# so under them there are none, and no valid stream.
stream_test() { # NAME WANT GENERATOR...: the stream into s_NAME.csv, nncc --check or --predict - on it
    local name=$1 want=$2 peak="" out rc gen; shift 2
    rm -f s_$name.csv s_$name.rss
    mkfifo s_$name.csv
    printf 'input: 4\nlayers: [1]\ndata:\n  train: s_%s.csv\n' "$name" > s_$name.yaml
    "$@" > s_$name.csv 2>/dev/null &
    gen=$!
    local cmd=("$NNCC" s_$name.yaml --check)
    [ "$name" = stdin ] && cmd=(./net --predict - --weights s_w/net.safetensors)
    local timer=()
    [ -x /usr/bin/time ] && /usr/bin/time -f %M true 2>/dev/null && timer=(/usr/bin/time -f %M -o s_$name.rss)
    if [ "$name" = stdin ]; then
        out=$( (if [ -z "$SAN_FLAGS" ]; then ulimit -v 2000000; fi; "${timer[@]}" timeout 300 "${cmd[@]}" < s_$name.csv) 2>&1); rc=$?
    else
        out=$( (if [ -z "$SAN_FLAGS" ]; then ulimit -v "${STREAM_VMEM:-2000000}"; fi; "${timer[@]}" timeout 300 "${cmd[@]}") 2>&1); rc=$?
    fi
    kill $gen 2>/dev/null; wait $gen 2>/dev/null
    [ -s s_$name.rss ] && peak=$(tail -n 1 s_$name.rss)
    if [ $rc -ne 1 ] || ! echo "$out" | grep -qE "$want"; then
        fail "CSV stream $name: $want" "rc $rc: $(echo "$out" | head -n 3)"
    elif [ -n "$peak" ] && [ -z "$SAN_FLAGS" ] && [ "$name" != valid ] && [ "$peak" -gt 65536 ]; then
        fail "CSV stream $name: $want" "peak RSS $peak KB (more than 64 MB)"
    else
        ok "CSV stream $name stops: $(echo "$out" | grep -oE "$want" | head -n 1)${peak:+ (peak RSS $peak KB)}"
    fi
}
./net --quiet --out s_w > /dev/null 2>&1
stream_test binary 's_binary\.csv:1: a control character, byte [0-9]+ \(0x[0-9A-F]{2}\): this is not a text CSV file' \
    sh -c "tr -d '\\000\\n' < /dev/urandom"
stream_test line 's_line\.csv:1: line longer than 1048576 bytes' sh -c "yes 1 | tr -d '\\n'"
stream_test columns 's_columns\.csv:1: expected 5 columns \(4 features, 1 label\), found 6' yes 1,2,3,4,0,9
stream_test stdin '<stdin>:1: error: a control character' sh -c "tr -d '\\000\\n' < /dev/urandom"
if [ -z "$SAN_FLAGS" ]; then
    STREAM_VMEM=1000000 stream_test valid 's_valid\.csv:[0-9]+: out of memory for row [0-9]+ \(5 values a row' yes 1,2,3,4,0
else
    skip "CSV stream valid: a FIFO of valid rows under ulimit -v" "not under sanitizers"
fi
# ---- D2, streams ---- end ----------------------------------------------------------------------
# D4: a column holding 1e308 and -1e308 made min-max's range inf, its scale 0 and the loss NaN,
# and the program suggested "normalize: minmax", already set. Now: refused, the column named.
printf 'a,big,y\n1,1e308,0\n2,-1e308,1\n3,0,1\n' > huge.csv
for kind in minmax standard; do
    printf 'input: 2\nlayers: [1]\ndata:\n  train: huge.csv\n  normalize: %s\n' $kind > huge_$kind.yaml
    if "$NNCC" huge_$kind.yaml -o huge_$kind.c && build_c huge_$kind.c huge_$kind; then
        out=$(./huge_$kind --quiet --out o_huge 2>&1); rc=$?
        [ $rc -eq 1 ] && echo "$out" | grep -q "feature 2 ('big') spans -1e+308 to 1e+308, more than a double can scale: normalize: $kind" &&
            ok "normalize: $kind refuses a column past a double's range, named" ||
            fail "normalize: $kind refuses a column past a double's range, named" "rc $rc: $out"
    else
        fail "normalize: $kind refuses a column past a double's range, named" "build failed"
    fi
done
# D3: kill -9 left checkpoint.safetensors.XXXXXX and metrics.csv.XXXXXX temps that no later run
# removed. A run sweeps its own outputs' temps, and nothing else.
mkdir -p sweep
touch sweep/metrics.csv.Ab3xYz sweep/checkpoint.safetensors.q1w2e3 sweep/net.safetensors.ZZZZZZ \
      sweep/notes.txt sweep/metrics.csv.bak
./net --quiet --out sweep > /dev/null 2>&1
left=$(cd sweep && ls -A | sort | tr '\n' ' ')
[ "$left" = "checkpoint.safetensors confusion.csv curves.svg metrics.csv metrics.csv.bak net.safetensors notes.txt " ] &&
    ok "a run removes the temps a killed run left, and only those" ||
    fail "a run removes the temps a killed run left, and only those" "left: $left"
# ... and for real: kill -9 (and once SIGTERM, once SIGINT) at random moments while a run writes a
# checkpoint every epoch; each next run resumes. Afterwards: no temp file once a run has started, every checkpoint loads, and
# the run resumed to its end gives the weights of an uninterrupted run, byte for byte.
# (8000 epochs: about 10 s here, so the 12 signals, 0.1 to 0.4 s apart, all land in a running run)
cat > long.yaml <<'YAML'
input: 4
layers: [64, 1]
epochs: 8000
log_every: 1
YAML
if "$NNCC" long.yaml -o long.c && build_c long.c long; then
    ./long --quiet --out whole > /dev/null 2>&1
    kills=0 resume= bad=
    for sig in KILL KILL KILL KILL TERM KILL KILL KILL INT KILL KILL KILL; do
        ./long --quiet --out chaos $resume > /dev/null 2>chaos.err &
        pid=$!
        sleep 0.$((RANDOM % 4 + 1))
        kill -$sig $pid 2>/dev/null && kills=$((kills + 1))
        wait $pid 2>/dev/null
        rc=$?   # SIGTERM and SIGINT: the epoch finishes, a checkpoint is written, exit 128 + signal
        # (exit 0: the run had ended before the signal came, a loaded machine's slow start)
        case $sig:$rc in
        TERM:143 | INT:130 | KILL:*) ;;
        TERM:0 | INT:0) [ "$(tail -1 chaos/metrics.csv | cut -d, -f1)" = 8000 ] || bad="$bad SIG$sig exit 0 before the end" ;;
        *) bad="$bad SIG$sig exit $rc" ;;
        esac
        [ -f chaos/checkpoint.safetensors ] && resume=--resume
        grep -q error chaos.err && bad="$bad $(cat chaos.err)"
    done
    before=$(ls -A chaos | grep -c '\.[A-Za-z0-9]\{6\}$')
    ./long --quiet --out chaos $resume > /dev/null 2>chaos.err || bad="$bad $(cat chaos.err)"
    temps=$(ls -A chaos | grep -c '\.[A-Za-z0-9]\{6\}$')
    # metrics.csv (its seconds aside) and curves.svg too: the rows a kill left past a checkpoint
    # were dropped on --resume and measured again.
    if [ -z "$bad" ] && [ "$temps" = 0 ] && cmp -s whole/net_long.safetensors chaos/net_long.safetensors &&
       cmp -s <(cut -d, -f1-5,7- whole/metrics.csv) <(cut -d, -f1-5,7- chaos/metrics.csv) &&
       cmp -s whole/curves.svg chaos/curves.svg; then
        ok "after $kills of 12 signals delivered (SIGKILL, one SIGTERM, one SIGINT; $before temps left), the resumed run leaves none and ends byte-identical (weights, metrics, curves)"
    else
        fail "after $kills kill -9s, the resumed run leaves no temp and ends byte-identical" "temps $temps;$bad"
    fi
else
    fail "after kill -9s, the resumed run leaves no temp and ends byte-identical" "build failed"
fi

# Long runs stay linear (issue 13): metrics.csv grows a row at a time and the checkpoint holds
# the metrics' count and last row, not their history (a 12,000-epoch run's was 580 KB). The same
# network at epoch 100 and at epoch 2000: the same tensors, and a file that differs at most by
# the epoch's digits in its metadata (the header is padded to 8 bytes).
cat > lin.yaml <<'YAML'
input: 4
layers: [16, 1]
epochs: 200
log_every: 5
YAML
ck_data() { $PY -c 'import struct, sys; b = open(sys.argv[1], "rb").read(); print(len(b) - 8 - struct.unpack("<Q", b[:8])[0])' "$1"; }
if "$NNCC" lin.yaml -o lin.c && build_c lin.c lin; then
    ./lin --quiet --out at100 --epochs 100 && ./lin --quiet --out at2000 --epochs 2000
    a=$(wc -c < at100/checkpoint.safetensors) b=$(wc -c < at2000/checkpoint.safetensors)
    if [ "$(ck_data at100/checkpoint.safetensors)" = "$(ck_data at2000/checkpoint.safetensors)" ] &&
       [ $((b - a)) -le 8 ] && [ $((a - b)) -le 8 ]; then
        ok "a checkpoint's size does not grow with the epochs ($a bytes at epoch 100, $b at epoch 2000)"
    else
        fail "a checkpoint's size does not grow with the epochs" "$a bytes at epoch 100, $b at epoch 2000"
    fi

    # What a kill -9 leaves in metrics.csv: rows past the checkpoint's epoch and a cut last line.
    # --resume keeps the rows up to the checkpoint, and the run ends as an uninterrupted one.
    ./lin --quiet --threads 1 --out lw > /dev/null 2>&1
    ./lin --quiet --threads 1 --out lp --epochs 100 > /dev/null 2>&1
    cp lp/metrics.csv lp.csv; cp lp/checkpoint.safetensors lp.ck
    { sed -n '23,24p' lw/metrics.csv; sed -n 25p lw/metrics.csv | head -c 12; } >> lp/metrics.csv
    out=$(./lin --quiet --threads 1 --out lp --resume 2>&1); rc=$?
    if [ $rc = 0 ] && cmp -s lw/lin.safetensors lp/lin.safetensors && cmp -s lw/curves.svg lp/curves.svg &&
       cmp -s <(cut -d, -f1-5,7- lw/metrics.csv) <(cut -d, -f1-5,7- lp/metrics.csv); then
        ok "--resume drops the rows past the checkpoint and a cut last line; weights, metrics and curves as one run's"
    else
        fail "--resume repairs the metrics a kill left" "rc $rc: $out; $(diff <(cut -d, -f1-5,7- lw/metrics.csv) <(cut -d, -f1-5,7- lp/metrics.csv) | head -n 4)"
    fi

    # metrics.csv that is not the checkpoint's: a located error, exit 1, the checkpoint untouched.
    for case in "gone|rm lp/metrics.csv|lp/metrics.csv: error: cannot read: No such file" \
                "short|sed -i 12q lp/metrics.csv|lp/metrics.csv:13: error: the file ends after 11 rows (up to epoch 50), but checkpoint.safetensors (epoch 100) counts 21" \
                "cut|sed -i '\$s/,[^,]*,[^,]*\$//' lp/metrics.csv|lp/metrics.csv:22: error: expected 9 columns" \
                "unended|truncate -s -1 lp/metrics.csv|lp/metrics.csv:22: error: a cut row after 20 rows (up to epoch 95)" \
                "header|sed -i 1s/train_loss/loss/ lp/metrics.csv|lp/metrics.csv:1: error: the header differs" \
                "other|sed -i '\$s/^100,0/100,1/' lp/metrics.csv|lp/metrics.csv:22: error: the row of epoch 100 differs from checkpoint.safetensors's (train_loss)" \
                "past|sed -i '3s/^5,/150,/' lp/metrics.csv|lp/metrics.csv:3: error: epoch 150 is past checkpoint.safetensors's epoch 100"; do
        IFS='|' read -r name edit want <<< "$case"
        cp lp.csv lp/metrics.csv; cp lp.ck lp/checkpoint.safetensors
        eval "$edit"
        out=$(./lin --quiet --threads 1 --out lp --resume 2>&1); rc=$?
        [ $rc = 1 ] && echo "$out" | grep -qF "$want" && cmp -s lp.ck lp/checkpoint.safetensors &&
            ok "--resume with metrics.csv $name: ${want#lp/}" || fail "--resume with metrics.csv $name" "rc $rc: $out"
    done

    # A checkpoint of an earlier nncc, with the history as train.metrics and no last row, resumes
    # (the tensor ignored, the rows read from metrics.csv).
    cp lp.csv lp/metrics.csv; cp lp.ck lp/checkpoint.safetensors
    $PY - lp/checkpoint.safetensors lp/metrics.csv <<'PY'
import json, struct, sys
p = sys.argv[1]; raw = open(p, "rb").read()
n = struct.unpack("<Q", raw[:8])[0]; head = json.loads(raw[8:8 + n]); data = raw[8 + n:]
del head["train.last_metrics"]
rows = [[float(v) if v else float("nan") for v in line.split(",")] + [float("nan")] * 9
        for line in open(sys.argv[2]).read().splitlines()[1:]]
extra = b"".join(struct.pack("<18d", *r) for r in rows)
head["train.metrics"] = {"dtype": "F64", "shape": [len(rows), 18], "data_offsets": [len(data), len(data) + len(extra)]}
h = json.dumps(head).encode(); h += b" " * (-len(h) % 8)
open(p, "wb").write(struct.pack("<Q", len(h)) + h + data + extra)
PY
    out=$(./lin --quiet --threads 1 --out lp --resume 2>&1); rc=$?
    [ $rc = 0 ] && cmp -s lw/lin.safetensors lp/lin.safetensors && cmp -s lw/curves.svg lp/curves.svg &&
        ok "an earlier checkpoint (the history as train.metrics) resumes, the rows from metrics.csv" ||
        fail "an earlier checkpoint (the history as train.metrics) resumes" "rc $rc: $out"
else
    fail "long runs stay linear" "build failed"
fi
finish
