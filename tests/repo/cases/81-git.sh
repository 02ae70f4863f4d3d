# ---- git as users have it -------------------------------------------------------------
# core.autocrlf=true (Windows' default): generated files are marked eol=lf, so
# a checkout keeps them LF; and where a file has CRLF anyway, it compares as
# the same text.
new_repo crlf
build >/dev/null 2>&1 && git add -A && git commit -qm generated
rm -rf "$WORK/crlf-clone" && git -c core.autocrlf=true clone -q "$R" "$WORK/crlf-clone" && cd "$WORK/crlf-clone"
git config core.autocrlf true
expect "README.md is checked out with CRLF (autocrlf is on)" grep -q $'\r$' README.md
expect "generated files are checked out LF (eol=lf)" sh -c '! grep -rq $'"'"'\r$'"'"' infra'
expect_rc 0 "check is clean in the autocrlf clone" "$INFRAC" check
expect_rc 0 "check --staged too" "$INFRAC" check --staged
sed -i 's/$/\r/' infra/terraform/modules/shop/main.tf .infrac/manifest
before=$(digest .)
expect_rc 0 "a generated file with CRLF line ends is the same text" "$INFRAC" check
expect "build does not call it a hand edit" build
expect "and leaves it alone" test "$before" = "$(digest .)"
# A repository from before eol=lf: checked out CRLF, and still not hand-edited.
cd "$R"
sed -i 's/ eol=lf//; s/ merge=union//' .gitattributes
git commit -qam "no eol attribute"
rm -rf "$WORK/crlf-old" && git -c core.autocrlf=true clone -q "$R" "$WORK/crlf-old" && cd "$WORK/crlf-old"
git config core.autocrlf true
expect "without eol=lf, generated files are checked out CRLF" grep -q $'\r$' infra/terraform/modules/shop/main.tf
expect_rc 1 "check finds only the .gitattributes block out of date" "$INFRAC" check
expect "nothing else" test "$(cat "$WORK/out")" = ".gitattributes: stale (it differs from what the program produces; run infrac build)
infrac: to bring the generated files up to date, run: infrac build"
expect "build writes the block and refuses nothing" build
expect_rc 0 "check is clean after it" "$INFRAC" check

# core.hooksPath: the hook goes where git runs hooks, and refuses a stale commit.
new_repo hookspath
build >/dev/null 2>&1 && git add -A && git commit -qm generated
git config core.hooksPath .githooks
expect "hook install with core.hooksPath" "$INFRAC" hook install
expect "writes the hook in the hooks path" test -x .githooks/pre-commit
expect "and not in .git/hooks" test ! -e .git/hooks/pre-commit
change_program && git add platform/main.infra
expect_rc 1 "git runs it: a stale commit is refused" git commit -qm stale
expect "with what to run" grep -q 'run: infrac build && git add -A -- infra/terraform/modules/shop/main.tf$' "$WORK/out"
build >/dev/null 2>&1 && git add -A
expect "once rebuilt and staged, the commit goes through" git commit -qm rebuilt

# A linked worktree: hooks are shared through the common directory, and the
# hook (run by git with GIT_DIR and GIT_INDEX_FILE set) reads that worktree's index.
new_repo worktree
build >/dev/null 2>&1 && git add -A && git commit -qm generated
git worktree add -q "$WORK/linked" -b side
cd "$WORK/linked"
expect "hook install from a linked worktree" "$INFRAC" hook install
expect "writes the hook where git runs it for every worktree" test -x "$R/.git/hooks/pre-commit"
expect_rc 0 "check --staged in the worktree" "$INFRAC" check --staged
change_program && git add platform/main.infra
expect_rc 1 "a stale commit in the worktree is refused" git commit -qm stale
expect "build in the worktree" build
git add -A
expect "and the rebuilt commit goes through" git commit -qm rebuilt
cd "$R"
expect_rc 0 "the main work tree is untouched by all that" "$INFRAC" check --staged

# A partial commit (git commit PATH): git hands the hook a temporary index.
new_repo partial
build >/dev/null 2>&1 && git add -A && git commit -qm generated && "$INFRAC" hook install >/dev/null
change_program
expect_rc 1 "committing only the program is refused" git commit -qm partial platform/main.infra
build >/dev/null 2>&1
echo "# notes" >>README.md
expect_rc 1 "committing the program and README without the output is refused" git commit -qm partial platform/main.infra README.md
expect "committing everything goes through" git commit -qam all

# A bare repository is no target, and has no hooks that run on commit.
rm -rf "$WORK/bare.git" && git init -q --bare "$WORK/bare.git"
new_repo bare
expect_rc 2 "build into a bare repository is refused" "$INFRAC" build --stdlib stdlib -o "$WORK/bare.git" platform
expect "saying why" grep -q 'is a git directory (a bare repository, or inside .git)' "$WORK/out"
expect "and writes nothing there" test ! -e "$WORK/bare.git/infra" -a ! -e "$WORK/bare.git/.infrac"
expect_rc 2 "build into .git is refused" "$INFRAC" build --stdlib stdlib -o .git/x platform
expect "nothing is made there" test ! -e .git/x
expect_rc 2 "hook install in a bare repository is refused" "$INFRAC" hook install "$WORK/bare.git"
expect "saying why" grep -q 'bare repository' "$WORK/out"
cd "$WORK/bare.git"
expect_rc 2 "check --staged in a bare repository is refused" "$INFRAC" check --staged
expect "saying why" grep -q 'not in a git work tree' "$WORK/out"

# A repository with no commits yet.
rm -rf "$WORK/unborn" && mkdir "$WORK/unborn" && cd "$WORK/unborn" && git init -q .
cp -r "$STDLIB" stdlib && write_program
expect "build in a repository with no commits" build
expect_rc 2 "check --staged with nothing staged says there is no program" "$INFRAC" check --staged
expect "and how to name one" grep -q 'no PATH given and no program recorded' "$WORK/out"
git add -A
expect_rc 0 "check --staged once everything is staged" "$INFRAC" check --staged
expect "hook install before the first commit" "$INFRAC" hook install
expect "the first commit goes through the hook" git commit -qm first
rm -rf "$WORK/unborn2" && mkdir "$WORK/unborn2" && cd "$WORK/unborn2" && git init -q .
cp -r "$STDLIB" stdlib && write_program
expect "build --commit makes the first commit" build --commit -m "generated"
expect "of generated files only" test -z "$(git show --name-only --format= HEAD | grep -v -e '^infra/' -e '^.infrac/' -e '^.gitattributes$')"

# The program outside the target repository.
rm -rf "$WORK/prog-outside" && mkdir -p "$WORK/prog-outside" && cd "$WORK/prog-outside" && write_program
cp -r "$STDLIB" stdlib
new_repo outside
expect "build of a program outside the repository" "$INFRAC" build --stdlib "$WORK/prog-outside/stdlib" -o . "$WORK/prog-outside/platform"
expect "the manifest names it relative to the target" grep -qx 'program ../prog-outside/platform' .infrac/manifest
expect "so do the headers" grep -q '^# Code generated by infrac from ../prog-outside/platform; DO NOT EDIT.$' infra/terraform/modules/shop/main.tf
expect_rc 0 "check without PATH finds it" "$INFRAC" check
git add -A
expect_rc 0 "check --staged reads it from where it is" "$INFRAC" check --staged
sed -i 's/bucket assets {}/bucket assets { versioning = false }/' "$WORK/prog-outside/platform/main.infra"
expect_rc 1 "and sees it change" "$INFRAC" check --staged

# ---- without git, when git is not needed ----------------------------------------------
# libgit2 is loaded only when git is really needed (its start-up parses the
# system's CA bundle): not to find the repository, not for an unchanged tree.
new_repo nogit
build >/dev/null 2>&1 && git add -A && git commit -qm generated
"$INFRAC" check >/dev/null 2>&1; "$INFRAC" check --staged >/dev/null 2>&1    # the records
loads() { LD_DEBUG=libs "$@" 2>&1 >/dev/null | grep -c 'calling init: .*libgit2'; }
expect "check of an unchanged tree does not load libgit2" test "$(loads "$INFRAC" check)" = 0
expect "nor with PATH" test "$(loads "$INFRAC" check --stdlib stdlib platform)" = 0
expect "nor check --staged of an unchanged index" test "$(loads "$INFRAC" check --staged)" = 0
expect "nor a build that only meets its own files" test "$(loads "$INFRAC" build --stdlib stdlib platform)" = 0
change_program && git add -A
expect "check --staged of a changed index loads it, once" test "$(loads "$INFRAC" check --staged)" = 1
# A fresh clone (no record yet) compares once, then records: the pre-commit
# hook of a colleague who never builds is fast from the second commit on.
rm -rf "$WORK/nogit-clone" && git clone -q "$R" "$WORK/nogit-clone" && cd "$WORK/nogit-clone"
expect "a fresh clone's first check --staged loads libgit2" test "$(loads "$INFRAC" check --staged)" = 1
expect "its second does not" test "$(loads "$INFRAC" check --staged)" = 0
"$INFRAC" check >/dev/null 2>&1
expect "a check of the work tree records it" test -s .infrac/local/state
cp .infrac/local/state "$WORK/state-before"
"$INFRAC" check >/dev/null 2>&1
expect "and the next check answers from the record (it has nothing to rewrite)" cmp -s .infrac/local/state "$WORK/state-before"
expect "and the record stays out of git" test -z "$(git status --porcelain)"
