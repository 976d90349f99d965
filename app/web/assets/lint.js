// Modelling rules checked in the browser as the designer draws (bpmnlint through
// bpmn-js-bpmnlint), each reported in Chinese; the server's deployment check stays the judge.
import StaticResolver from "bpmnlint/lib/resolver/static-resolver";
import conditionalFlows from "bpmnlint/rules/conditional-flows";
import endEventRequired from "bpmnlint/rules/end-event-required";
import eventBasedGateway from "bpmnlint/rules/event-based-gateway";
import fakeJoin from "bpmnlint/rules/fake-join";
import labelRequired from "bpmnlint/rules/label-required";
import noDisconnected from "bpmnlint/rules/no-disconnected";
import noDuplicateSequenceFlows from "bpmnlint/rules/no-duplicate-sequence-flows";
import noImplicitEnd from "bpmnlint/rules/no-implicit-end";
import noImplicitSplit from "bpmnlint/rules/no-implicit-split";
import singleBlankStartEvent from "bpmnlint/rules/single-blank-start-event";
import startEventRequired from "bpmnlint/rules/start-event-required";
import superfluousGateway from "bpmnlint/rules/superfluous-gateway";

// rule -> [its factory, how serious, what the designer reads]
const RULES = {
  "start-event-required": [startEventRequired, "error", "流程缺少开始事件"],
  "end-event-required": [endEventRequired, "error", "流程缺少结束事件"],
  "no-disconnected": [noDisconnected, "error", "元素没有连线，办件走不到这里"],
  "no-implicit-end": [noImplicitEnd, "error", "没有出口连线：请连到结束事件或下一步"],
  "no-implicit-split": [noImplicitSplit, "error", "一个元素引出多条无条件连线：请用网关分支"],
  "conditional-flows": [conditionalFlows, "error", "排他网关的出口连线缺少条件（Python 表达式，如 decision == \"approve\"）"],
  "event-based-gateway": [eventBasedGateway, "error", "事件网关之后只能是捕获事件"],
  "single-blank-start-event": [singleBlankStartEvent, "error", "流程只能有一个空白开始事件"],
  "no-duplicate-sequence-flows": [noDuplicateSequenceFlows, "error", "两个元素之间有重复的连线"],
  "fake-join": [fakeJoin, "warn", "多条连线直接汇入此元素：请用合并网关"],
  "superfluous-gateway": [superfluousGateway, "warn", "只有一进一出的网关是多余的"],
  "label-required": [labelRequired, "warn", "请为此元素命名，办理记录和流程图上都用这个名称"],
};

// A rule reporting in Chinese: the library's own check, the rule's own sentence.
function inChinese(factory, message) {
  return function () {
    const rule = factory();
    return {
      check(node, reporter) {
        rule.check(node, { report: (id) => reporter.report(id, message) });
      },
    };
  };
}

const cache = {};
const rules = {};
Object.entries(RULES).forEach(([name, [factory, level, message]]) => {
  cache[`rule:bpmnlint/${name}`] = inChinese(factory, message);
  rules[name] = level;
});

export const lintConfig = { resolver: new StaticResolver(cache), config: { rules } };
