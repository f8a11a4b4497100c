// Closure JSON -> the picture's model: nested groups, nodes and edges with
// coordinates. Pure (no DOM), so node can test it. Node paths follow
// docs/design.md section 4.1: only a sub-workflow node adds a path segment,
// because branch and array sub-nodes already have ids unique in their
// template while a sub-workflow template reuses short ids.

const NODE_W = 168;
const NODE_H = 44;
const GAP_X = 40;
const GAP_Y = 14;
const PAD = 12;
const TITLE_H = 20;
// A sub-workflow that (indirectly) calls itself would otherwise be drawn
// forever; the server reports the cycle itself, the picture just stops.
const MAX_DEPTH = 32;

// flytectl prints camelCase, but the server takes proto names too, so a
// pasted closure may use either.
function pick(obj, camel, snake) {
  if (!obj || typeof obj !== 'object') return undefined;
  return obj[camel] !== undefined ? obj[camel] : obj[snake];
}

// The admin Workflow wrapper (`flytectl get workflow -o json`) carries the
// closure at closure.compiledWorkflow; the server accepts both shapes.
export function unwrapClosure(json) {
  if (!json || typeof json !== 'object' || Array.isArray(json)) {
    throw new Error('the closure must be a JSON object');
  }
  if (json.primary) return json;
  const inner = pick(json.closure, 'compiledWorkflow', 'compiled_workflow');
  if (inner && inner.primary) return inner;
  throw new Error('no primary workflow: expected a CompiledWorkflowClosure or an admin Workflow with closure.compiledWorkflow');
}

function idKey(id) {
  if (!id) return '';
  return [id.project, id.domain, id.name, id.version].join('/');
}

export function taskLabel(id) {
  if (!id) return '';
  return `${id.name || ''}${id.version ? '@' + id.version : ''}`;
}

function nodeKind(node) {
  if (pick(node, 'taskNode', 'task_node')) return 'task';
  const wf = pick(node, 'workflowNode', 'workflow_node');
  if (wf) return pick(wf, 'subWorkflowRef', 'sub_workflow_ref') ? 'subworkflow' : 'launchplan';
  if (pick(node, 'branchNode', 'branch_node')) return 'branch';
  if (pick(node, 'arrayNode', 'array_node')) return 'array';
  if (pick(node, 'gateNode', 'gate_node')) return 'gate';
  if (node.id === 'start-node') return 'start';
  if (node.id === 'end-node') return 'end';
  return 'other';
}

function declaredHooks(node) {
  const names = [];
  const ro = pick(node, 'runtimeOverride', 'runtime_override');
  if (ro && ro.name) names.push(ro.name);
  const draft = pick(pick(node, 'taskNode', 'task_node'), 'runtimeOverrideName', 'runtime_override_name');
  if (draft && !names.includes(draft)) names.push(draft);
  return names;
}

// Branch arms in the order the server walks them: case, others, else.
function branchArms(node) {
  const ifElse = pick(pick(node, 'branchNode', 'branch_node'), 'ifElse', 'if_else') || {};
  const arms = [];
  const first = ifElse.case;
  if (first && pick(first, 'thenNode', 'then_node')) arms.push({ label: 'if', node: pick(first, 'thenNode', 'then_node') });
  for (const other of ifElse.other || []) {
    const then = pick(other, 'thenNode', 'then_node');
    if (then) arms.push({ label: 'elif', node: then });
  }
  const elseNode = pick(ifElse, 'elseNode', 'else_node');
  if (elseNode) arms.push({ label: 'else', node: elseNode });
  return arms;
}

class Builder {
  constructor(closure) {
    this.subs = new Map();
    for (const sub of pick(closure, 'subWorkflows', 'sub_workflows') || []) {
      if (sub && sub.template) this.subs.set(idKey(sub.template.id), sub.template);
    }
    this.tasks = new Map();
    for (const task of closure.tasks || []) {
      if (task && task.template) this.tasks.set(idKey(task.template.id), task.template);
    }
    this.nodes = [];
    this.edges = [];
    this.taskPaths = [];
  }

  // Returns a laid-out box {w, h, place(x, y)} for one node and what it holds.
  node(node, prefix, depth, stack) {
    const kind = nodeKind(node);
    const path = prefix + node.id;
    const meta = node.metadata || {};
    const entry = {
      key: path, id: node.id, path, kind, name: meta.name || '', hooks: declaredHooks(node),
      task: '', taskPath: kind === 'task' ? path : '', x: 0, y: 0, w: NODE_W, h: NODE_H,
    };
    if (kind === 'task') {
      const ref = pick(pick(node, 'taskNode', 'task_node'), 'referenceId', 'reference_id');
      entry.task = taskLabel(ref);
      this.taskPaths.push(path);
    }
    if (kind === 'subworkflow') {
      const ref = pick(pick(node, 'workflowNode', 'workflow_node'), 'subWorkflowRef', 'sub_workflow_ref');
      const template = this.subs.get(idKey(ref));
      entry.task = ref ? ref.name : '';
      if (template && depth < MAX_DEPTH && !stack.includes(idKey(ref))) {
        const inner = this.template(template, path + '/', depth + 1, [...stack, idKey(ref)]);
        return this.group(entry, [inner]);
      }
      entry.missing = !template;
    }
    if (kind === 'branch' && depth < MAX_DEPTH) {
      const arms = branchArms(node).map((arm) => {
        const box = this.node(arm.node, prefix, depth + 1, stack);
        box.armLabel = arm.label;
        return box;
      });
      if (arms.length) return this.group(entry, arms);
    }
    if (kind === 'array' && depth < MAX_DEPTH) {
      const inner = pick(pick(node, 'arrayNode', 'array_node'), 'node', 'node');
      if (inner) return this.group(entry, [this.node(inner, prefix, depth + 1, stack)]);
    }
    this.nodes.push(entry);
    return {
      entry, w: NODE_W, h: NODE_H,
      place(x, y) { entry.x = x; entry.y = y; },
    };
  }

  // A node drawn as a box around what it holds (sub-workflow, branch arms,
  // array sub-node); the group is the node that edges attach to.
  group(entry, children) {
    entry.group = true;
    this.nodes.push(entry);
    const w = Math.max(NODE_W, ...children.map((c) => c.w)) + 2 * PAD;
    const h = TITLE_H + PAD + children.reduce((sum, c) => sum + c.h, 0) + GAP_Y * (children.length - 1) + PAD;
    entry.w = w;
    entry.h = h;
    return {
      entry, w, h,
      place(x, y) {
        entry.x = x;
        entry.y = y;
        let cy = y + TITLE_H + PAD;
        for (const child of children) {
          if (child.armLabel) child.entry.arm = child.armLabel;
          child.place(x + PAD, cy);
          cy += child.h + GAP_Y;
        }
      },
    };
  }

  // Lays a template's nodes out in columns by their longest upstream chain.
  template(template, prefix, depth, stack) {
    const all = [...(template.nodes || [])];
    const failure = pick(template, 'failureNode', 'failure_node');
    const drawn = all.filter((n) => n && n.id && n.id !== 'start-node' && n.id !== 'end-node');
    const ids = new Set(drawn.map((n) => n.id));
    const upstream = new Map();
    for (const n of drawn) {
      upstream.set(n.id, (pick(n, 'upstreamNodeIds', 'upstream_node_ids') || []).filter((u) => ids.has(u) && u !== n.id));
    }
    const rank = new Map();
    // Iterative longest-path ranking; a cycle (a broken closure) is cut by
    // never ranking a node past the number of nodes.
    for (const n of drawn) rank.set(n.id, 0);
    for (let round = 0; round < drawn.length; round++) {
      let changed = false;
      for (const n of drawn) {
        for (const u of upstream.get(n.id)) {
          const r = Math.min(rank.get(u) + 1, drawn.length);
          if (r > rank.get(n.id)) { rank.set(n.id, r); changed = true; }
        }
      }
      if (!changed) break;
    }
    const columns = [];
    for (const n of drawn) {
      const r = rank.get(n.id);
      (columns[r] = columns[r] || []).push(n);
    }
    const placed = columns.filter(Boolean).map((col) => col.map((n) => this.node(n, prefix, depth, stack)));
    let failureBox = null;
    if (failure && failure.id) {
      failureBox = this.node(failure, prefix, depth, stack);
      failureBox.entry.failure = true;
    }
    for (const n of drawn) {
      for (const u of upstream.get(n.id)) this.edges.push({ from: prefix + u, to: prefix + n.id });
    }
    const colW = placed.map((col) => Math.max(...col.map((b) => b.w)));
    const colH = placed.map((col) => col.reduce((s, b) => s + b.h, 0) + GAP_Y * (col.length - 1));
    let w = colW.reduce((s, cw) => s + cw, 0) + GAP_X * Math.max(0, placed.length - 1);
    let h = Math.max(0, ...colH);
    if (failureBox) {
      w = Math.max(w, failureBox.w);
      h += (h ? GAP_Y * 2 : 0) + failureBox.h;
    }
    return {
      w, h,
      place(x, y) {
        let cx = x;
        placed.forEach((col, i) => {
          let cy = y + (h - (failureBox ? failureBox.h + GAP_Y * 2 : 0) - colH[i]) / 2;
          for (const box of col) {
            box.place(cx + (colW[i] - box.w) / 2, cy);
            cy += box.h + GAP_Y;
          }
          cx += colW[i] + GAP_X;
        });
        if (failureBox) failureBox.place(x, y + h - failureBox.h);
      },
    };
  }
}

// The whole picture: {width, height, nodes, edges, taskPaths}. Nodes come
// parents before children so a renderer can paint them in order.
export function buildGraph(closureJson) {
  const closure = unwrapClosure(closureJson);
  const primary = closure.primary.template;
  if (!primary) throw new Error('the primary workflow has no template');
  const builder = new Builder(closure);
  const box = builder.template(primary, '', 0, [idKey(primary.id)]);
  box.place(PAD, PAD);
  // A group is larger than anything inside it, so painting by falling area
  // puts every box above the group that holds it.
  const nodes = builder.nodes.sort((a, b) => b.w * b.h - a.w * a.h || a.y - b.y || a.x - b.x);
  const byKey = new Map(nodes.map((n) => [n.key, n]));
  const edges = builder.edges
    .filter((e) => byKey.has(e.from) && byKey.has(e.to))
    .map((e) => {
      const a = byKey.get(e.from);
      const b = byKey.get(e.to);
      return { ...e, x1: a.x + a.w, y1: a.y + Math.min(a.h, NODE_H) / 2, x2: b.x, y2: b.y + Math.min(b.h, NODE_H) / 2 };
    });
  return {
    width: box.w + 2 * PAD,
    height: box.h + 2 * PAD,
    nodes,
    edges,
    taskPaths: builder.taskPaths,
    workflow: primary.id ? primary.id.name : '',
  };
}

// Task node paths of every instance, in the walk's order; what the server's
// node paths are checked against in tests.
export function taskNodePaths(closureJson) {
  return buildGraph(closureJson).taskPaths;
}

export const GRAPH_SIZES = { NODE_W, NODE_H, TITLE_H, PAD };
