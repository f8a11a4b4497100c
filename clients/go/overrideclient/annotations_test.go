package overrideclient

import (
	"errors"
	"strings"
	"testing"

	"flyteoverride/goclient/gen/corepb"
	"google.golang.org/protobuf/proto"
)

// trainingYAML is examples/training_pipeline's execution.json written as
// YAML, the way a person would: unquoted quantities, a flow list.
const trainingYAML = `
# execution overrides for training_pipeline
train:
  resources:
    requests:
      - {name: MEMORY, value: 48Gi}
    limits:
      - name: MEMORY
        value: 64Gi
  environment:
    LOG_LEVEL: DEBUG
  unset: [resources.limits.cpu]
challenger:
  environment: {LOG_LEVEL: INFO}
`

func TestDecodeOverrideMapReadsJSONAndYAMLAlike(t *testing.T) {
	fromJSON := exampleMap(t, "training_pipeline", "execution.json")
	fromYAML, err := DecodeOverrideMap(trainingYAML)
	if err != nil {
		t.Fatal(err)
	}
	if len(fromJSON) != 2 || len(fromYAML) != len(fromJSON) {
		t.Fatalf("hooks: JSON %d, YAML %d", len(fromJSON), len(fromYAML))
	}
	for hook, want := range fromJSON {
		if !proto.Equal(fromYAML[hook], want) {
			t.Errorf("hook %s: YAML %v, JSON %v", hook, fromYAML[hook], want)
		}
	}
}

func TestDecodeOverrideMapYAMLScalars(t *testing.T) {
	hooks, err := DecodeOverrideMap(`
train:
  resources: {requests: [{name: GPU, value: 2}]}   # a quantity, written as a number
  cacheVersion: 2.1                                # a string, written as a number
  retries: 3
  interruptible: false
  environment: {DEBUG: true, THREADS: 8}           # strings
  taskConfig:                                      # free-form: YAML's own types
    workerReplicas: {replicas: 4, image: null}
    ratio: 0.5
    flags: [on, "yes"]
`)
	if err != nil {
		t.Fatal(err)
	}
	train := hooks["train"]
	if got := resourceValue(train, false, corepb.Resources_GPU); got != "2" {
		t.Errorf("gpu %q, want \"2\"", got)
	}
	if train.GetCacheVersion() != "2.1" || train.GetRetries() != 3 {
		t.Errorf("cacheVersion %q retries %d", train.GetCacheVersion(), train.GetRetries())
	}
	if train.Interruptible == nil || train.GetInterruptible() {
		t.Errorf("interruptible %v, want a set false", train.Interruptible)
	}
	if env := train.GetEnvironment(); env["DEBUG"] != "true" || env["THREADS"] != "8" {
		t.Errorf("environment %v", env)
	}
	config := train.GetTaskConfig().AsMap()
	replicas := config["workerReplicas"].(map[string]interface{})
	if replicas["replicas"] != 4.0 || replicas["image"] != nil || config["ratio"] != 0.5 {
		t.Errorf("taskConfig %v", config)
	}
	// YAML 1.2, as yaml.v3 reads it: "on" is a string, not true.
	if flags := config["flags"].([]interface{}); flags[0] != "on" || flags[1] != "yes" {
		t.Errorf("taskConfig.flags %v", flags)
	}
}

func TestDecodeOverrideAnnotations(t *testing.T) {
	lp := string(exampleFile(t, "training_pipeline", "launch_plan.json"))
	t.Run("both keys, JSON and YAML", func(t *testing.T) {
		maps, err := DecodeOverrideAnnotations(map[string]string{
			LaunchPlanOverridesAnnotation: lp,
			ExecutionOverridesAnnotation:  trainingYAML,
			"team":                        "ml-platform", // not ours: ignored
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(maps.LaunchPlan) != 3 || maps.LaunchPlan["challenger"].GetRetries() != 4 {
			t.Errorf("launch plan map %v", maps.LaunchPlan)
		}
		if len(maps.Execution) != 2 || maps.Execution["challenger"].GetEnvironment()["LOG_LEVEL"] != "INFO" {
			t.Errorf("execution map %v", maps.Execution)
		}
	})
	t.Run("one key", func(t *testing.T) {
		maps, err := DecodeOverrideAnnotations(map[string]string{ExecutionOverridesAnnotation: trainingYAML})
		if err != nil {
			t.Fatal(err)
		}
		if maps.LaunchPlan != nil || len(maps.Execution) != 2 {
			t.Errorf("maps %v", maps)
		}
	})
	t.Run("none, or blank", func(t *testing.T) {
		for _, annotations := range []map[string]string{
			nil,
			{LaunchPlanOverridesAnnotation: "  \n"},
			{ExecutionOverridesAnnotation: "# nothing yet\n"},
		} {
			maps, err := DecodeOverrideAnnotations(annotations)
			if err != nil || len(maps.LaunchPlan) != 0 || len(maps.Execution) != 0 {
				t.Errorf("%v: %v, %v", annotations, maps, err)
			}
		}
	})
	t.Run("every bad key is reported", func(t *testing.T) {
		_, err := DecodeOverrideAnnotations(map[string]string{
			LaunchPlanOverridesAnnotation: `{"train": {"retries": "many"}}`,
			ExecutionOverridesAnnotation:  "train:\n  timeout: 30m\n",
		})
		var bad *AnnotationError
		if !errors.As(err, &bad) || len(bad.Problems) != 2 {
			t.Fatalf("%v, want an AnnotationError with two problems", err)
		}
		if bad.Problems[0].Key != LaunchPlanOverridesAnnotation || bad.Problems[1].Key != ExecutionOverridesAnnotation {
			t.Errorf("problems %v", bad.Problems)
		}
		for _, want := range []string{LaunchPlanOverridesAnnotation, `"train"`, ExecutionOverridesAnnotation, `YAML line 2`, `"timeout"`} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("%q lacks %q", err.Error(), want)
			}
		}
	})
}

func TestDecodeOverrideMapRefusesBadDocuments(t *testing.T) {
	for _, tc := range []struct {
		name, doc string
		want      []string // in the error text
	}{
		{"JSON syntax", `{"train": {"retries": 1,}}`, []string{"JSON"}},
		{"JSON text after the map", `{"train": {}} {"x": {}}`, []string{"after"}},
		{"JSON unknown field, at its line", "{\n  \"train\": {\n    \"timeout\": \"30m\"\n  }\n}", []string{`hook "train"`, "timeout", "line 3"}},
		{"JSON wrong type", `{"train": {"retries": "many"}}`, []string{`hook "train"`, "many"}},
		{"JSON enum name", `{"train": {"resources": {"requests": [{"name": "memory", "value": "1Gi"}]}}}`, []string{"memory"}},
		{"JSON hook twice", `{"train": {}, "train": {"retries": 1}}`, []string{`"train": given twice`}},
		{"JSON field twice", `{"train": {"cacheVersion": "a", "cache_version": "b"}}`, []string{"cache_version"}},
		{"JSON every hook's problems", `{"a": {"nope": 1}, "b": {"retries": "x"}}`, []string{`hook "a"`, `hook "b"`}},
		{"YAML syntax", "train: [\n", []string{"YAML"}},
		{"YAML not a mapping", "- train\n", []string{"mapping"}},
		{"YAML unknown field", "train:\n  retries: 1\n  timeout: 30m\n", []string{"YAML line 3", `"timeout"`}},
		{"YAML lines count from the top", "\n\ntrain:\n  nope: 1\n", []string{"YAML line 4"}},
		{"YAML wrong type", "train:\n  retries: many\n", []string{"YAML line 2", "train.retries", "number"}},
		{"YAML a bool", "train:\n  cache: yes\n", []string{"train.cache", "true or false"}},
		{"YAML enum name", "train:\n  resources:\n    limits: [{name: memory, value: 1Gi}]\n", []string{"YAML line 3", `"memory"`}},
		{"YAML hook twice", "train: {}\ntrain: {retries: 1}\n", []string{"YAML line 2", "given twice (first on line 1)"}},
		{"YAML field twice", "train: {cacheVersion: a, cache_version: b}\n", []string{"cache_version", `"cacheVersion"`}},
		{"YAML two documents", "train: {}\n---\nother: {}\n", []string{"second document"}},
		{"YAML alias", "base: &b {retries: 1}\ntrain: *b\n", []string{"aliases"}},
		{"YAML every problem", "train:\n  retries: x\n  nope: 1\n", []string{"YAML line 2", "YAML line 3"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hooks, err := DecodeOverrideMap(tc.doc)
			if err == nil {
				t.Fatalf("accepted, as %v", hooks)
			}
			for _, want := range tc.want {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("%q lacks %q", err.Error(), want)
				}
			}
		})
	}
}
