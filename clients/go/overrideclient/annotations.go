package overrideclient

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"flyteoverride/goclient/gen/corepb"
	"google.golang.org/protobuf/encoding/protojson"
)

// The annotations that carry override maps, `{hook: TaskNodeOverrides}` in
// JSON or YAML. A launch plan sets the first, an execution the second; they
// are two keys so that both can reach the execution.
const (
	LaunchPlanOverridesAnnotation = "flyteoverride.flyte.org/launch-plan-overrides"
	ExecutionOverridesAnnotation  = "flyteoverride.flyte.org/execution-overrides"
)

// OverrideMaps are the two layers a Resolve takes, by hook name.
type OverrideMaps struct {
	LaunchPlan map[string]*corepb.TaskNodeOverrides
	Execution  map[string]*corepb.TaskNodeOverrides
}

// AnnotationError says which override annotations do not parse, and why.
// The user wrote them, so it is never worth a retry nor a fail-open.
type AnnotationError struct {
	Problems []AnnotationProblem
}

// AnnotationProblem is one annotation that does not parse.
type AnnotationProblem struct {
	Key string
	Err error
}

func (e *AnnotationError) Error() string {
	parts := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		parts[i] = fmt.Sprintf("annotation %s: %v", p.Key, p.Err)
	}
	return strings.Join(parts, "; ")
}

// DecodeOverrideAnnotations reads the two override annotations from an
// execution's annotations; others are ignored, and a missing or blank one is
// an empty map. Every problem in both is reported together.
func DecodeOverrideAnnotations(annotations map[string]string) (OverrideMaps, error) {
	var maps OverrideMaps
	var problems []AnnotationProblem
	for _, layer := range []struct {
		key  string
		dest *map[string]*corepb.TaskNodeOverrides
	}{
		{LaunchPlanOverridesAnnotation, &maps.LaunchPlan},
		{ExecutionOverridesAnnotation, &maps.Execution},
	} {
		hooks, err := DecodeOverrideMap(annotations[layer.key])
		if err != nil {
			problems = append(problems, AnnotationProblem{Key: layer.key, Err: err})
			continue
		}
		*layer.dest = hooks
	}
	if problems != nil {
		return OverrideMaps{}, &AnnotationError{Problems: problems}
	}
	return maps, nil
}

// DecodeOverrideMap reads one override map, `{hook: TaskNodeOverrides}`, as
// JSON (the proto3 JSON mapping: camelCase or proto names) when it starts with
// '{', else as YAML with the same names (so a YAML map is written in block
// style at its top). Reading is strict, as the service's own is: unknown
// members, a member or hook given twice and values of the wrong type are
// errors, all reported together, with the line of the document they are on.
// A blank document is an empty map.
func DecodeOverrideMap(doc string) (map[string]*corepb.TaskNodeOverrides, error) {
	text := strings.TrimSpace(doc)
	if text == "" {
		return nil, nil
	}
	if strings.HasPrefix(text, "{") {
		return decodeJSONMap(doc)
	}
	return decodeYAMLMap(doc)
}

// decodeJSONMap reads the hooks one by one, so that a problem names its hook
// and every hook's problems are reported.
func decodeJSONMap(doc string) (map[string]*corepb.TaskNodeOverrides, error) {
	decoder := json.NewDecoder(strings.NewReader(doc))
	if token, err := decoder.Token(); err != nil || token != json.Delim('{') {
		return nil, fmt.Errorf("JSON: an override map is an object {hook: overrides}")
	}
	hooks := map[string]*corepb.TaskNodeOverrides{}
	seen := map[string]bool{}
	var problems []string
	for decoder.More() {
		token, err := decoder.Token()
		if err != nil {
			return nil, fmt.Errorf("JSON: %v", err)
		}
		hook := token.(string) // an object's keys are strings
		var raw json.RawMessage
		if err := decoder.Decode(&raw); err != nil {
			return nil, fmt.Errorf("JSON: hook %q: %v", hook, err)
		}
		if seen[hook] {
			problems = append(problems, fmt.Sprintf("hook %q: given twice", hook))
			continue
		}
		seen[hook] = true
		// Blanked text before the value keeps protojson's line:column
		// positions those of the whole document.
		start := int(decoder.InputOffset()) - len(raw)
		padded := append([]byte(blank(doc[:start])), raw...)
		overrides := &corepb.TaskNodeOverrides{}
		if err := protojson.Unmarshal(padded, overrides); err != nil {
			problems = append(problems, fmt.Sprintf("hook %q: %v", hook, err))
			continue
		}
		hooks[hook] = overrides
	}
	if _, err := decoder.Token(); err != nil {
		return nil, fmt.Errorf("JSON: %v", err)
	}
	if _, err := decoder.Token(); err != io.EOF {
		return nil, errors.New("JSON: text after the override map")
	}
	if problems != nil {
		return nil, errors.New(strings.Join(problems, "; "))
	}
	return hooks, nil
}

// blank keeps the line breaks of s and turns everything else into spaces.
func blank(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '\n' {
			return r
		}
		return ' '
	}, s)
}

func decodeYAMLMap(text string) (map[string]*corepb.TaskNodeOverrides, error) {
	converted, err := yamlOverrideMap(text)
	if err != nil {
		return nil, err
	}
	hooks := map[string]*corepb.TaskNodeOverrides{}
	var problems []string
	for _, hook := range converted {
		b, err := json.Marshal(hook.value)
		if err != nil {
			return nil, err
		}
		overrides := &corepb.TaskNodeOverrides{}
		if err := protojson.Unmarshal(b, overrides); err != nil {
			problems = append(problems, fmt.Sprintf("YAML line %d: hook %q: %v", hook.line, hook.name, err))
			continue
		}
		hooks[hook.name] = overrides
	}
	if problems != nil {
		return nil, errors.New(strings.Join(problems, "; "))
	}
	return hooks, nil
}
