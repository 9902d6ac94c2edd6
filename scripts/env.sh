# Sourced by the other scripts: where the installed tools live.
TOOLS=${PORTAL_TOOLS:-$HOME/.cache/student-card-portal}
export PATH="$TOOLS/bin:$TOOLS/node/node_modules/.bin:$HOME/.cargo/bin:$PATH"
log() { printf '\033[1m==> %s\033[0m\n' "$*"; }
