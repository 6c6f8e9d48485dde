"""Run the ecosystems' own version comparators over many pairs at once.

Each helper starts one process for a whole batch (a process per pair would
take minutes) and returns one answer per pair: -1, 0, 1, or None where the
tool refused the input. Tools come from Debian packages (see
scripts/install-system-deps.sh) or, for node's ``semver``, from npm.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tests.helpers import IN_CI, require_tool

Pair = tuple[str, str]
MAVEN_JAR = Path("/usr/share/java/maven-artifact-3.x.jar")
COMMONS_LANG3_JAR = Path("/usr/share/java/commons-lang3.jar")
COMPOSER_AUTOLOAD = Path("/usr/share/php/Composer/Semver/autoload.php")
CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "seawall-tests"


def _run(args: list[str], stdin: str = "", timeout: float = 60) -> str:
    done = subprocess.run(
        args, input=stdin, capture_output=True, text=True, timeout=timeout, check=False
    )
    if done.returncode != 0:
        raise AssertionError(f"{args[0]} failed: {done.stderr[-2000:]}")
    return done.stdout


def require_file(path: Path, package: str) -> Path:
    """``path``; skips (fails under CI) when the Debian package is missing."""
    if not path.exists():
        message = f"{path} is missing (Debian package {package})"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return path


_DPKG_LOOP = (
    'while IFS=" " read -r a b; do '
    'if dpkg --compare-versions "$a" lt "$b"; then echo -1; '
    'elif dpkg --compare-versions "$a" eq "$b"; then echo 0; '
    "else echo 1; fi; done"
)


def dpkg_compare(pairs: list[Pair], workers: int = 2) -> list[int]:
    """``dpkg --compare-versions`` over all pairs: a shell loop per worker."""
    require_tool("dpkg")
    chunks = [pairs[i::workers] for i in range(workers)]
    with tempfile.TemporaryDirectory() as tmp:
        loops = []
        for index, chunk in enumerate(chunks):
            path = Path(tmp) / f"pairs-{index}.txt"
            path.write_text("".join(f"{a} {b}\n" for a, b in chunk))
            with path.open() as source:
                loops.append(
                    subprocess.Popen(
                        ["bash", "-c", _DPKG_LOOP],
                        stdin=source,
                        stdout=subprocess.PIPE,
                        text=True,
                    )
                )
        answers = []
        for loop in loops:
            out, _ = loop.communicate(timeout=120)
            if loop.returncode != 0:
                raise AssertionError("dpkg loop failed")
            answers.append([int(x) for x in out.split()])
    # Interleave the workers' answers back into the pairs' order.
    return [answers[i % workers][i // workers] for i in range(len(pairs))]


def rpm_compare(pairs: list[Pair], workdir: Path) -> list[int]:
    """rpm's own ``rpm.vercmp`` over all pairs, in one embedded Lua run."""
    require_tool("rpm")
    data = workdir / "pairs.txt"
    data.write_text("".join(f"{a} {b}\n" for a, b in pairs))
    lua = (
        f'for line in io.lines("{data}") do '
        'local a, b = line:match("^(%S+) (%S+)$"); '
        'print(string.format("%d\\n", rpm.vercmp(a, b))) end'
    )
    return [int(x) for x in _run(["rpm", "--eval", f"%{{lua: {lua}}}"]).split()]


def maven_compare(pairs: list[Pair]) -> list[int]:
    """Maven's ComparableVersion (its main() compares neighbours)."""
    require_tool("java")
    jar = require_file(MAVEN_JAR, "libmaven3-core-java")
    args = [v for pair in pairs for v in pair]
    out = _run(
        [
            "java",
            "-cp",
            str(jar),
            "org.apache.maven.artifact.versioning.ComparableVersion",
            *args,
        ]
    )
    signs = [line.split()[1] for line in out.splitlines() if line.startswith("   ")]
    # Neighbours: a1 b1, b1 a2, a2 b2, ... keep every other comparison.
    return [{"<": -1, "==": 0, ">": 1}[s] for s in signs[::2]]


_RUBY = r"""
require "json"
JSON.parse(STDIN.read).each do |a, b|
  puts(begin
    (Gem::Version.new(a) <=> Gem::Version.new(b)).to_s
  rescue ArgumentError
    "null"
  end)
end
"""


def ruby_compare(pairs: list[Pair]) -> list[int | None]:
    """RubyGems' Gem::Version#<=> in one ruby process."""
    require_tool("ruby")
    out = _run(["ruby", "-e", _RUBY], json.dumps(pairs))
    return [None if x == "null" else int(x) for x in out.split()]


_RUBY_REQ = r"""
require "json"
JSON.parse(STDIN.read).each do |v, req|
  puts(begin
    r = Gem::Requirement.new(*req.split(",").map(&:strip))
    r.satisfied_by?(Gem::Version.new(v)) ? "1" : "0"
  rescue ArgumentError, Gem::Requirement::BadRequirementError
    "null"
  end)
end
"""


def ruby_satisfies(pairs: list[Pair]) -> list[bool | None]:
    """Gem::Requirement#satisfied_by? over (version, requirement) pairs."""
    require_tool("ruby")
    out = _run(["ruby", "-e", _RUBY_REQ], json.dumps(pairs))
    return [None if x == "null" else x == "1" for x in out.split()]


_PHP = r"""
require $argv[1];
use Composer\Semver\Comparator;
use Composer\Semver\Semver;
use Composer\Semver\VersionParser;
$parser = new VersionParser();
$out = [];
foreach (json_decode(stream_get_contents(STDIN), true) as [$mode, $a, $b]) {
  try {
    if ($mode === "compare") {
      $na = $parser->normalize($a);
      $nb = $parser->normalize($b);
      $out[] = Comparator::lessThan($na, $nb) ? -1
        : (Comparator::equalTo($na, $nb) ? 0 : 1);
    } else {
      $out[] = Semver::satisfies($a, $b);
    }
  } catch (\UnexpectedValueException $e) {
    $out[] = null;
  }
}
echo json_encode($out);
"""


def composer_run(items: list[tuple[str, str, str]]) -> list[int | bool | None]:
    """composer/semver: ("compare", a, b) or ("satisfies", version, constraint)."""
    require_tool("php")
    autoload = require_file(COMPOSER_AUTOLOAD, "php-composer-semver")
    out = _run(["php", "-r", _PHP, "--", str(autoload)], json.dumps(items))
    return list(json.loads(out))


def node_semver_dir() -> Path:
    """A directory holding node's ``semver`` package, installing it if needed."""
    require_tool("node")
    cached = CACHE / "npm" / "node_modules" / "semver"
    if cached.is_dir():
        return cached
    # npm carries the registry's semver package; Debian ships it as node-semver.
    for bundled in (
        Path("/usr/lib/node_modules/npm/node_modules/semver"),
        Path("/usr/share/nodejs/semver"),
    ):
        if (bundled / "package.json").is_file():
            return bundled
    require_tool("npm")
    _run(
        ["npm", "install", "--silent", "--prefix", str(CACHE / "npm"), "semver@7"],
        timeout=120,
    )
    return cached


_NODE = r"""
const semver = require(process.argv[1]);
let input = "";
process.stdin.on("data", (d) => (input += d));
process.stdin.on("end", () => {
  const out = JSON.parse(input).map(([mode, a, b]) => {
    try {
      if (mode === "compare") return semver.compare(a, b);
      return semver.satisfies(a, b) ? 1 : 0;
    } catch (e) {
      return null;
    }
  });
  process.stdout.write(JSON.stringify(out));
});
"""


def node_run(items: list[tuple[str, str, str]]) -> list[int | None]:
    """node-semver: ("compare", a, b) or ("satisfies", version, range)."""
    package = node_semver_dir()
    out = _run(["node", "-e", _NODE, str(package)], json.dumps(items))
    return list(json.loads(out))


_MAVEN_RANGE_JAVA = """
import java.io.BufferedReader;
import java.io.InputStreamReader;
import org.apache.maven.artifact.versioning.DefaultArtifactVersion;
import org.apache.maven.artifact.versioning.InvalidVersionSpecificationException;
import org.apache.maven.artifact.versioning.VersionRange;

public class RangeCheck {
    public static void main(String[] args) throws Exception {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, "UTF-8"));
        for (String line; (line = in.readLine()) != null; ) {
            String[] pair = line.split("\\t", 2);
            try {
                VersionRange range = VersionRange.createFromVersionSpec(pair[1]);
                boolean inside = range.containsVersion(new DefaultArtifactVersion(pair[0]));
                System.out.println(inside ? "1" : "0");
            } catch (InvalidVersionSpecificationException e) {
                System.out.println("null");
            }
        }
    }
}
"""


def maven_range_contains(pairs: list[Pair], workdir: Path) -> list[bool | None]:
    """Maven's VersionRange.containsVersion over (version, range) pairs."""
    require_tool("javac")
    jar = require_file(MAVEN_JAR, "libmaven3-core-java")
    (workdir / "RangeCheck.java").write_text(_MAVEN_RANGE_JAVA)
    _run(
        ["javac", "-cp", str(jar), "-d", str(workdir), str(workdir / "RangeCheck.java")]
    )
    lang3 = require_file(COMMONS_LANG3_JAR, "libcommons-lang3-java")
    classpath = f"{jar}:{lang3}:{workdir}"
    text = "".join(f"{v}\t{r}\n" for v, r in pairs)
    out = _run(["java", "-cp", classpath, "RangeCheck"], text)
    return [None if x == "null" else x == "1" for x in out.split()]


_PACKAGING_21 = r"""
import json, sys, warnings
warnings.simplefilter("ignore")
from packaging.version import LegacyVersion, parse
out = []
for a, b in json.load(sys.stdin):
    va, vb = parse(a), parse(b)
    out.append([(va > vb) - (va < vb), isinstance(va, LegacyVersion)])
json.dump(out, sys.stdout)
"""


def packaging21_compare(pairs: list[Pair]) -> list[list[int | bool]]:
    """packaging 21.3 (the last with LegacyVersion): [order, a is legacy]."""
    target = CACHE / "packaging-21.3"
    if not (target / "packaging" / "version.py").exists():
        _run(
            [
                sys.executable,
                "-m",
                "pip",
                "install",
                "--quiet",
                "--no-deps",
                "--disable-pip-version-check",
                "--target",
                str(target),
                "packaging==21.3",
            ],
            timeout=180,
        )
    env = {**os.environ, "PYTHONPATH": str(target)}
    done = subprocess.run(
        [
            sys.executable,
            "-I",
            "-c",
            f"import sys; sys.path.insert(0, {str(target)!r})\n" + _PACKAGING_21,
        ],
        input=json.dumps(pairs),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env=env,
    )
    if done.returncode != 0:
        raise AssertionError(f"packaging 21.3 failed: {done.stderr[-2000:]}")
    return list(json.loads(done.stdout))


_GO = """
package main

import (
	"bufio"
	"fmt"
	"os"
	"strings"

	"golang.org/x/mod/semver"
)

func main() {
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		pair := strings.SplitN(in.Text(), " ", 2)
		if !semver.IsValid(pair[0]) || !semver.IsValid(pair[1]) {
			fmt.Println("null")
			continue
		}
		fmt.Println(semver.Compare(pair[0], pair[1]))
	}
}
"""
GO_MOD_SEMVER = Path("/usr/share/gocode/src/golang.org/x/mod/semver/semver.go")


def go_compare(pairs: list[Pair], workdir: Path) -> list[int | None]:
    """golang.org/x/mod/semver (Debian's copy, built in GOPATH mode)."""
    require_tool("go")
    require_file(GO_MOD_SEMVER, "golang-golang-x-mod-dev")
    (workdir / "compare.go").write_text(_GO)
    env = {
        **os.environ,
        "GOPATH": "/usr/share/gocode",
        "GO111MODULE": "off",
        "GOCACHE": str(CACHE / "go-build"),
    }
    done = subprocess.run(
        ["go", "run", str(workdir / "compare.go")],
        input="".join(f"{a} {b}\n" for a, b in pairs),
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
        env=env,
    )
    if done.returncode != 0:
        raise AssertionError(f"go failed: {done.stderr[-2000:]}")
    return [None if x == "null" else int(x) for x in done.stdout.split()]
