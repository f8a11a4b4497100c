// Draws the closure_graph model as SVG: boxes for nodes, nested boxes for
// sub-workflows, branches and array nodes, each hook's covered task nodes in
// the hook's colour. Every node is focusable and names its path and task, so
// the picture can be read with the keyboard as well as the mouse.

import { GRAPH_SIZES } from './closure_graph.js';

const SVG = 'http://www.w3.org/2000/svg';

// Ten colours that stay apart for the common kinds of colour blindness
// (after Okabe-Ito and Tol's muted set).
export const HOOK_COLOURS = ['#0072b2', '#e69f00', '#009e73', '#cc79a7', '#d55e00', '#56b4e9', '#882255', '#999933', '#44aa99', '#aa4499'];

export function hookColour(index) {
  return HOOK_COLOURS[index % HOOK_COLOURS.length];
}

function el(name, attrs, parent) {
  const node = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, String(v));
  if (parent) parent.appendChild(node);
  return node;
}

function shorten(text, max) {
  return text.length > max ? text.slice(0, max - 1) + '\u2026' : text;
}

const KIND_LABEL = {
  task: 'task', subworkflow: 'sub-workflow', branch: 'branch', array: 'map (array node)',
  gate: 'gate', launchplan: 'launch plan (child execution)', other: 'node',
};

// graph: buildGraph's result; hooks: inspect's hooks in order (their index
// picks the colour); onDetail(text) is told what is hovered or focused;
// onActivate(node) when a node is chosen with click or Enter.
export function renderGraph(container, graph, hooks, onDetail, onActivate) {
  container.textContent = '';
  const hookIndex = new Map(hooks.map((h, i) => [h.name, i]));
  const coveredBy = new Map();
  for (const hook of hooks) {
    for (const path of hook.nodePaths || []) {
      if (!coveredBy.has(path)) coveredBy.set(path, []);
      coveredBy.get(path).push(hook.name);
    }
  }
  const svg = el('svg', {
    viewBox: `0 0 ${graph.width} ${graph.height}`, width: graph.width, height: graph.height,
    role: 'group', 'aria-label': `workflow ${graph.workflow}: ${graph.taskPaths.length} task nodes`, class: 'graph',
  }, container);
  const defs = el('defs', {}, svg);
  const marker = el('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' }, defs);
  el('path', { d: 'M 0 0 L 10 5 L 0 10 z', class: 'arrow' }, marker);

  const groupsLayer = el('g', { class: 'groups' }, svg);
  const edgesLayer = el('g', { class: 'edges' }, svg);
  const nodesLayer = el('g', { class: 'nodes' }, svg);
  const { NODE_H, TITLE_H } = GRAPH_SIZES;

  for (const node of graph.nodes) {
    const hooksHere = coveredBy.get(node.taskPath) || [];
    const detail = [
      `${KIND_LABEL[node.kind] || node.kind} ${node.path}`,
      node.name ? `name ${node.name}` : '',
      node.task ? `${node.kind === 'task' ? 'task' : 'workflow'} ${node.task}` : '',
      node.hooks.length ? `declares hook ${node.hooks.join(', ')}` : '',
      node.kind === 'task' ? (hooksHere.length ? `covered by ${hooksHere.join(', ')}` : 'covered by no hook') : '',
      node.arm ? `${node.arm} arm` : '',
      node.failure ? 'failure node' : '',
    ].filter(Boolean).join('; ');
    const g = el('g', {
      class: `node kind-${node.kind}${node.group ? ' group' : ''}${hooksHere.length ? ' covered' : ''}`,
      tabindex: 0, role: 'button', 'aria-label': detail, 'data-path': node.path,
      'data-hooks': [...hooksHere, ...node.hooks].join(' '),
    }, node.group ? groupsLayer : nodesLayer);
    el('title', {}, g).textContent = detail;
    const innermost = hooksHere[hooksHere.length - 1];
    const rect = el('rect', { x: node.x, y: node.y, width: node.w, height: node.h, rx: node.group ? 8 : 6 }, g);
    if (innermost !== undefined) {
      // CSSOM, not a style attribute: the page's CSP allows no inline styles.
      rect.style.fill = `${hookColour(hookIndex.get(innermost))}22`;
      rect.style.stroke = hookColour(hookIndex.get(innermost));
    }
    const declared = node.hooks.filter((h) => hookIndex.has(h));
    if (node.group && declared.length) {
      rect.style.stroke = hookColour(hookIndex.get(declared[0]));
      rect.style.strokeWidth = '2.5';
    }
    const titleY = node.group ? node.y + TITLE_H - 5 : node.y + 18;
    const prefix = node.arm ? `${node.arm}: ` : '';
    el('text', { x: node.x + 8, y: titleY, class: 'label' }, g).textContent =
      shorten(`${prefix}${node.name || node.id}`, node.group ? Math.floor(node.w / 7) : 22);
    el('text', { x: node.x + 8, y: titleY + (node.group ? 0 : 16), class: 'sub', 'text-anchor': node.group ? 'end' : 'start', dx: node.group ? node.w - 16 : 0 }, g)
      .textContent = shorten(node.path, node.group ? 24 : 24);
    // One dot per hook, outermost first, so several hooks on one node show.
    const dots = node.kind === 'task' ? hooksHere : declared;
    dots.forEach((hook, i) => {
      el('circle', { cx: node.x + node.w - 10 - i * 12, cy: node.group ? node.y + TITLE_H + 2 : node.y + NODE_H - 10, r: 5, fill: hookColour(hookIndex.get(hook)), class: 'hook-dot' }, g);
    });
    const show = () => onDetail(detail);
    g.addEventListener('mouseenter', show);
    g.addEventListener('focus', show);
    g.addEventListener('click', (e) => { e.stopPropagation(); onActivate(node); });
    g.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); onActivate(node); }
    });
  }
  for (const edge of graph.edges) {
    const mid = (edge.x1 + edge.x2) / 2;
    el('path', {
      d: `M ${edge.x1} ${edge.y1} C ${mid} ${edge.y1}, ${mid} ${edge.y2}, ${edge.x2 - 2} ${edge.y2}`,
      class: 'edge', 'marker-end': 'url(#arrow)',
    }, edgesLayer);
  }
  return svg;
}

export function renderLegend(list, hooks) {
  list.textContent = '';
  hooks.forEach((hook, i) => {
    const item = document.createElement('li');
    const swatch = document.createElement('span');
    swatch.className = 'swatch';
    swatch.style.background = hookColour(i);
    swatch.setAttribute('aria-hidden', 'true');
    item.append(swatch, `${hook.name}${hook.implicit ? ' (implicit)' : ''}: ${(hook.nodePaths || []).length ? hook.nodePaths.join(', ') : 'no task node'}`);
    item.dataset.hook = hook.name;
    list.appendChild(item);
  });
}
