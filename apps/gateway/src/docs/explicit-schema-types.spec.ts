import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import * as ts from 'typescript';

/**
 * Every @ApiProperty / @ApiPropertyOptional names its schema type (`type`, or `oneOf`/`allOf`/
 * `anyOf`/`$ref`). Without it @nestjs/swagger falls back to the property's `design:type`
 * metadata, which depends on how the file was compiled: `string | null` is Object under strict
 * null checks and String without, an imported type alias is its base type for tsc but Object for
 * a per-file transpiler (ts-jest, the demo from sources). The same DTO would then document a
 * bare `type: object` in one build and `string` in another, and openapi.json could match only one.
 */
const ROOT = join(__dirname, '..', '..', '..', '..');
const SOURCES = join(ROOT, 'apps', 'gateway', 'src');
const DECORATORS = new Set(['ApiProperty', 'ApiPropertyOptional']);
const TYPE_KEYS = new Set(['type', 'oneOf', 'allOf', 'anyOf', '$ref']);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return name.endsWith('.ts') && !name.endsWith('.spec.ts') ? [path] : [];
  });
}

/** The object literal an options argument stands for: inline, or a const of the same file. */
function optionsLiteral(
  argument: ts.Expression | undefined,
  consts: Map<string, ts.Expression>,
): ts.ObjectLiteralExpression | undefined {
  let expression = argument;
  for (let depth = 0; expression && depth < 5; depth += 1) {
    if (ts.isAsExpression(expression) || ts.isSatisfiesExpression(expression))
      expression = expression.expression;
    else if (ts.isParenthesizedExpression(expression)) expression = expression.expression;
    else if (ts.isIdentifier(expression)) expression = consts.get(expression.text);
    else break;
  }
  return expression && ts.isObjectLiteralExpression(expression) ? expression : undefined;
}

function namesType(literal: ts.ObjectLiteralExpression, consts: Map<string, ts.Expression>): boolean {
  return literal.properties.some((property) => {
    if (ts.isSpreadAssignment(property)) {
      const spread = optionsLiteral(property.expression, consts);
      return spread !== undefined && namesType(spread, consts);
    }
    const name =
      property.name && (ts.isIdentifier(property.name) || ts.isStringLiteral(property.name))
        ? property.name.text
        : undefined;
    return name !== undefined && TYPE_KEYS.has(name);
  });
}

function untypedProperties(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
  const consts = new Map<string, ts.Expression>();
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isVariableDeclaration(node) && ts.isIdentifier(node.name) && node.initializer) {
      consts.set(node.name.text, node.initializer);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  const check = (node: ts.Node): void => {
    if (ts.isPropertyDeclaration(node)) {
      for (const decorator of ts.getDecorators(node) ?? []) {
        const call = decorator.expression;
        if (!ts.isCallExpression(call) || !ts.isIdentifier(call.expression)) continue;
        if (!DECORATORS.has(call.expression.text)) continue;
        const literal = optionsLiteral(call.arguments[0], consts);
        if (!literal || !namesType(literal, consts)) {
          const { line } = source.getLineAndCharacterOfPosition(node.getStart());
          found.push(`${relative(ROOT, file)}:${line + 1} ${node.name.getText()}`);
        }
      }
    }
    ts.forEachChild(node, check);
  };
  check(source);
  return found;
}

describe('OpenAPI schemas name their types', () => {
  it('every @ApiProperty and @ApiPropertyOptional in apps/gateway/src names `type` (or oneOf/allOf/$ref)', () => {
    expect(sourceFiles(SOURCES).flatMap(untypedProperties)).toEqual([]);
  });
});
