# ---- safety -------------------------------------------------------------------------
new_repo symlink
mkdir -p "$WORK/elsewhere" infra
ln -s "$WORK/elsewhere" infra/terraform
expect_rc 2 "writing through a symlink that leaves the target is refused" build
expect "nothing landed outside" test -z "$(ls -A "$WORK/elsewhere")"

new_repo symlinkfile
build >/dev/null 2>&1
echo "outside" >"$WORK/outside.txt"
ln -sf "$WORK/outside.txt" infra/terraform/modules/shop/main.tf
change_program
expect_rc 2 "replacing a generated file that is now a symlink is refused" build
expect "the file it points to is untouched" grep -qx outside "$WORK/outside.txt"

# Pruning must not follow a symlink either: files outside are never removed.
new_repo symlinkprune
build >/dev/null 2>&1
mv infra/kubernetes "$WORK/kube-outside" && ln -s "$WORK/kube-outside" infra/kubernetes
sed -i '/space shop/d' platform/main.infra
expect_rc 2 "removing through a symlink is refused" build
expect "the files outside are still there" test -e "$WORK/kube-outside/base/shop/namespace.yaml"

