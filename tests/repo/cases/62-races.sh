# ---- one writer at a time --------------------------------------------------------------
# Twenty pairs of builds of two different programs into one target, each pair
# started together. A build either succeeds or says the target is being
# written by another infrac; either way the tree is one program's, whole:
# check (which compiles what the manifest records) finds it clean.
new_repo race
cp -r platform platform-b
sed -i '/space shop/d; s/bucket assets {}/bucket assets {}\nbucket more {}\nspace other {}/' platform-b/main.infra
build >/dev/null 2>&1
clean=0 refused=0 other=0
for i in $(seq 1 20); do
    "$INFRAC" build --stdlib stdlib platform >"$WORK/race-a" 2>&1 &
    a=$!
    "$INFRAC" build --stdlib stdlib platform-b >"$WORK/race-b" 2>&1 &
    b=$!
    wait $a; ra=$?
    wait $b; rb=$?
    for r in "$ra:$WORK/race-a" "$rb:$WORK/race-b"; do
        if [ "${r%%:*}" = 0 ]; then :
        elif [ "${r%%:*}" = 2 ] && grep -q 'is being written by another infrac (pid [0-9]*); run this again when it has finished' "${r#*:}"; then
            refused=$((refused + 1))
        else
            other=$((other + 1)); echo "    exit ${r%%:*}"; sed 's/^/    /' "${r#*:}" | head -n 5
        fi
    done
    if "$INFRAC" check >"$WORK/race-check" 2>&1 && [ ! -e .infrac/local/journal ] && [ ! -e .infrac/local/staging ]; then
        clean=$((clean + 1))
    else
        sed 's/^/    /' "$WORK/race-check" | head -n 5
    fi
done
expect "every pair left a whole tree of one program (20 of 20)" test "$clean" = 20
expect "every refusal said the target was being written, nothing else failed" test "$other" = 0
echo "    ($refused of 40 builds were refused while the other held the lock)"

# A lock left by a build that died is no lock: the kernel released it.
new_repo stalelock
build >/dev/null 2>&1
change_program
{ INFRAC_TEST_ABORT_STAGING=1 build; } >/dev/null 2>&1
expect "the lock file of a build that died stays behind" test -e .infrac/local/lock
expect "and does not stop the next build" build

# ---- any size ---------------------------------------------------------------------------
# A generated file of 20 MB (a raw block with two 10 MB attributes, grown
# from a 1 kB string in the program): read as it is, not as missing.
new_repo big
add_big_output() {
    s=$(printf '0123456789%.0s' $(seq 1 100))
    cat >>platform/main.infra <<EOF
let s = "$s"
let k = replace(s, "0", s)
let m = replace(k, "0", s)
terraform {
  resource aws_s3_bucket_policy big { bucket = "x"  policy = m  description = m }
}
EOF
}
add_big_output
expect "a program with a 20 MB output builds" build
size=$(stat -c %s infra/terraform/modules/shop/main.tf)
expect "the file is over 20 MB ($size bytes)" test "$size" -gt 20000000
expect_rc 0 "check finds it up to date" "$INFRAC" check
echo '# hand' >>infra/terraform/modules/shop/main.tf
expect_rc 1 "check sees a hand edit of it" "$INFRAC" check
expect "as an edit, not as missing" grep -q '^infra/terraform/modules/shop/main.tf: edited by hand' "$WORK/out"
expect_rc 2 "build does not overwrite the edit" build
expect "which is still there" sh -c 'tail -n 1 infra/terraform/modules/shop/main.tf | grep -qx "# hand"'
expect "build --force does" build --force
expect_rc 0 "and check is clean again" "$INFRAC" check
git add -A && git commit -qm big
expect_rc 0 "check --staged reads the 20 MB file from the index" "$INFRAC" check --staged
