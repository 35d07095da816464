#!/usr/bin/env bash
# npm run mutate [module...]: StrykerJS, incrementally, one module at a time (all of them by default;
# test/mutation/modules.mjs lists them). Reports: reports/mutation/<module>.html and .json.
set -euo pipefail
cd "$(dirname "$0")/../.."
modules=("$@")
if [ ${#modules[@]} -eq 0 ]; then
  mapfile -t modules < <(node --input-type=module -e "import('./test/mutation/modules.mjs').then(({ MODULES }) => console.log(Object.keys(MODULES).filter((m) => !m.endsWith('-smoke')).join('\n')))")
fi
for module in "${modules[@]}"; do
  echo "== mutation testing: $module =="
  MUTATE_MODULE="$module" TEST_DB="${TEST_DB:-sqlite}" npx stryker run stryker.config.mjs
done
