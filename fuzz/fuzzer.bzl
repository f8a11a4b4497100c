"""fuzzer(): a libFuzzer target that also builds without --config=fuzz.

Under --config=fuzz (which sets --define=fuzzing=true) the binary links
libFuzzer's main with -fsanitize=fuzzer; only these binaries get that flag,
so nothing else in the build gains a second main(). In every other build it
links replay_main.cc instead, which runs the target once per file named on
the command line: `bazel build //...` with the default toolchain (gcc) keeps
compiling the fuzz targets, and a crashing input replays without clang.

Each fuzzer also gets <name>_replay_test: the same code, plain build, run
once over its seeds (corpus/<name>/) and the inputs that once crashed it
(regressions/<name>/), so `bazel test //...` keeps every fix fixed.
"""

def fuzzer(name, srcs, deps = []):
    native.cc_binary(
        name = name,
        testonly = True,
        srcs = srcs,
        linkopts = select({
            "//fuzz:fuzzing": ["-fsanitize=fuzzer"],
            "//conditions:default": [],
        }),
        deps = deps + select({
            "//fuzz:fuzzing": [],
            "//conditions:default": ["//fuzz:replay_main"],
        }),
    )
    inputs = ["corpus/" + name, "regressions/" + name]
    native.cc_test(
        name = name + "_replay_test",
        srcs = srcs,
        args = [
            "fuzz/" + d
            for d in inputs
            if native.glob([d + "/*"], allow_empty = True)
        ],
        data = native.glob([d + "/*" for d in inputs], allow_empty = True),
        deps = deps + ["//fuzz:replay_main"],
    )
