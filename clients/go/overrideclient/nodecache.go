package overrideclient

import (
	"container/list"
	"context"
	"sync"

	"flyteoverride/goclient/gen/overridepb"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// NodeCache reads one node's recorded overrides for FlytePropeller and keeps
// them: propeller evaluates a workflow over and over, and a node's recorded
// result never changes once written. It holds an entry per execution, with
// the nodes fetched so far, for the most recently used executions only.
// Misses are not kept, because a dynamic task may add the node later
// (ResolveDynamic). It is safe for concurrent use.
type NodeCache struct {
	client        *Client
	maxExecutions int

	mu      sync.Mutex
	recency *list.List // of *cacheEntry, most recently used first
	entries map[ExecutionID]*list.Element
}

type cacheEntry struct {
	id    ExecutionID
	nodes map[string]*overridepb.ResolvedNode
}

// NewNodeCache keeps the nodes of at most maxExecutions executions (at least
// one).
func NewNodeCache(client *Client, maxExecutions int) *NodeCache {
	if maxExecutions < 1 {
		maxExecutions = 1
	}
	return &NodeCache{
		client:        client,
		maxExecutions: maxExecutions,
		recency:       list.New(),
		entries:       map[ExecutionID]*list.Element{},
	}
}

// GetNode returns the recorded result for the node at nodePath (the
// resolver's node path, "n1/n0", docs/design.md section 4.1). A node that no
// hook covers, or an execution that was never recorded, is a NOT_FOUND
// status error. The node returned is shared: do not modify it.
func (n *NodeCache) GetNode(ctx context.Context, id ExecutionID, nodePath string) (*overridepb.ResolvedNode, error) {
	if node := n.lookup(id, nodePath); node != nil {
		return node, nil
	}
	resp, err := n.client.GetResolved(ctx, &overridepb.GetResolvedRequest{
		ExecutionId: id.proto(),
		NodePath:    nodePath,
	})
	if err != nil {
		return nil, err
	}
	for _, node := range resp.GetNodes() {
		if node.GetNodePath() == nodePath {
			n.store(id, node)
			return node, nil
		}
	}
	return nil, status.Errorf(codes.NotFound, "node %s of execution %s is not recorded", nodePath, id)
}

// Forget drops an execution's entry, when propeller is done with it.
func (n *NodeCache) Forget(id ExecutionID) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if element, ok := n.entries[id]; ok {
		n.recency.Remove(element)
		delete(n.entries, id)
	}
}

// Executions is how many executions have an entry.
func (n *NodeCache) Executions() int {
	n.mu.Lock()
	defer n.mu.Unlock()
	return len(n.entries)
}

func (n *NodeCache) lookup(id ExecutionID, nodePath string) *overridepb.ResolvedNode {
	n.mu.Lock()
	defer n.mu.Unlock()
	element, ok := n.entries[id]
	if !ok {
		return nil
	}
	node := element.Value.(*cacheEntry).nodes[nodePath]
	if node != nil {
		n.recency.MoveToFront(element)
	}
	return node
}

func (n *NodeCache) store(id ExecutionID, node *overridepb.ResolvedNode) {
	n.mu.Lock()
	defer n.mu.Unlock()
	element, ok := n.entries[id]
	if !ok {
		element = n.recency.PushFront(&cacheEntry{id: id, nodes: map[string]*overridepb.ResolvedNode{}})
		n.entries[id] = element
		for n.recency.Len() > n.maxExecutions {
			oldest := n.recency.Back()
			n.recency.Remove(oldest)
			delete(n.entries, oldest.Value.(*cacheEntry).id)
		}
	}
	n.recency.MoveToFront(element)
	element.Value.(*cacheEntry).nodes[node.GetNodePath()] = node
}
