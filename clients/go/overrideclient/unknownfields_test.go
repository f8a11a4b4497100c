package overrideclient

import (
	"fmt"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// Helpers that stand in for the flyteidl fields the subset does not declare:
// each message of a closure gets an unknown field that names where it is.

// markerField is a field number neither the subset nor flyteidl uses.
const markerField protowire.Number = 5000

// walkMessages calls f for every message beneath m (m included) that is
// set, with a path such as "primary.template.nodes[3].task_node"; map values
// are not visited.
func walkMessages(m protoreflect.Message, path string, f func(path string, m protoreflect.Message)) {
	f(path, m)
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		if fd.Message() == nil || fd.IsMap() {
			return true
		}
		child := path + "." + string(fd.Name())
		if fd.IsList() {
			for i := 0; i < v.List().Len(); i++ {
				walkMessages(v.List().Get(i).Message(), fmt.Sprintf("%s[%d]", child, i), f)
			}
			return true
		}
		walkMessages(v.Message(), child, f)
		return true
	})
}

// isOverrideValue tells the messages of a hook's declaration: the service
// merges its defaults, so it refuses unknown fields there rather than drop
// them.
func isOverrideValue(path string) bool {
	for _, name := range []string{".runtime_override"} {
		if containsSegment(path, name) {
			return true
		}
	}
	return false
}

func containsSegment(path, segment string) bool {
	for i := 0; i+len(segment) <= len(path); i++ {
		if path[i:i+len(segment)] == segment {
			end := i + len(segment)
			if end == len(path) || path[end] == '.' || path[end] == '[' {
				return true
			}
		}
	}
	return false
}

// addMarkers gives every message outside hook declarations a marker field
// holding its path, and returns the paths.
func addMarkers(root protoreflect.Message) map[string]bool {
	marked := map[string]bool{}
	walkMessages(root, "closure", func(path string, m protoreflect.Message) {
		if isOverrideValue(path) {
			return
		}
		unknown := protowire.AppendTag(m.GetUnknown(), markerField, protowire.BytesType)
		m.SetUnknown(protowire.AppendString(unknown, path))
		marked[path] = true
	})
	return marked
}

// markers lists the marker fields found beneath root, by the path they hold,
// with the path of the message they were found on.
func markers(root protoreflect.Message) map[string]string {
	found := map[string]string{}
	walkMessages(root, "closure", func(path string, m protoreflect.Message) {
		b := m.GetUnknown()
		for len(b) > 0 {
			number, kind, n := protowire.ConsumeTag(b)
			if n < 0 {
				return
			}
			b = b[n:]
			if number == markerField && kind == protowire.BytesType {
				value, n := protowire.ConsumeString(b)
				if n < 0 {
					return
				}
				found[value] = path
				b = b[n:]
				continue
			}
			n = protowire.ConsumeFieldValue(number, kind, b)
			if n < 0 {
				return
			}
			b = b[n:]
		}
	})
	return found
}

// messageAt finds the message at path beneath root.
func messageAt(root protoreflect.Message, want string) protoreflect.Message {
	var found protoreflect.Message
	walkMessages(root, "closure", func(path string, m protoreflect.Message) {
		if path == want {
			found = m
		}
	})
	return found
}

// withoutHooks clears every hook declaration beneath root.
func withoutHooks(root protoreflect.Message) {
	walkMessages(root, "closure", func(_ string, m protoreflect.Message) {
		fields := m.Descriptor().Fields()
		for _, name := range []protoreflect.Name{"runtime_override", "runtime_override_defaults", "runtime_override_name"} {
			if fd := fields.ByName(name); fd != nil {
				m.Clear(fd)
			}
		}
	})
}
