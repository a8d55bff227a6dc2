package io.cnv2.torchscript;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cnv2.BadInputException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The grammar of serialized TorchScript code, one rule per test (torch/csrc/jit/serialization/python_print.cpp). */
class CodeParserTest {
    private static final String MODULE = """
            class Net(Module):
              __parameters__ = ["weight", ]
              __buffers__ = []
              weight : Tensor
              training : bool
              stride : Final[Tuple[int, int]] = (2, 2)
              __annotations__["0"] = __torch__.torch.nn.modules.conv.Conv2d
              def forward(self: __torch__.Net,
                x: Tensor) -> Tensor:
                weight = self.weight
                _0 = torch._convolution(x, weight, None, [2, 2], [3, 3], [1, 1], False, [0, 0], 1, False, False, True, True)
                q, k, v, = torch.chunk(_0, 3, -1)
                return torch.add(q, k, alpha=1)
            def helper(a: int,
                b: List[int]=[0, 0]) -> int:
              return a
            """;

    private static Ast.CodeFile parse(String src) {
        return CodeParser.parse("code/__torch__/net.py", src);
    }

    @Test
    void classesKeepTheirFinalConstantsAndMethods() {
        Ast.ClassDef c = parse(MODULE).classes().get("Net");
        assertEquals(List.of("stride"), List.copyOf(c.constants().keySet()));
        assertInstanceOf(Ast.TupleExpr.class, c.constants().get("stride"));
        assertEquals(List.of("self", "x"), c.methods().get("forward").params());
    }

    @Test
    void moduleLevelFunctionsAndDefaultArgumentsParse() {
        Ast.FunctionDef f = parse(MODULE).functions().get("helper");
        assertEquals(List.of("a", "b"), f.params());
    }

    @Test
    void tupleTargetsWithATrailingCommaUnpack() {
        Ast.Stmt s = parse(MODULE).classes().get("Net").methods().get("forward").body().get(2);
        Ast.Assign a = assertInstanceOf(Ast.Assign.class, s);
        assertEquals(3, assertInstanceOf(Ast.TupleExpr.class, a.target()).items().size());
    }

    @Test
    void annotatedAssignmentsAssignAndBareAnnotationsBindNothing() {
        // as PyTorch prints F.interpolate's scripted body: "align_corners1 : Optional[bool] = _22"
        Ast.FunctionDef f = parse("def f(x: Tensor) -> Tensor:\n  y : Optional[List[int]] = x\n  z : int\n  return y\n")
                .functions().get("f");
        Ast.Assign a = assertInstanceOf(Ast.Assign.class, f.body().get(0));
        assertEquals("y", assertInstanceOf(Ast.Name.class, a.target()).id());
        assertEquals("x", assertInstanceOf(Ast.Name.class, a.value()).id());
        assertInstanceOf(Ast.Pass.class, f.body().get(1));
        assertInstanceOf(Ast.Return.class, f.body().get(2));
    }

    @Test
    void keywordArgumentsAreKeptByName() {
        Ast.Return r = (Ast.Return) parse(MODULE).classes().get("Net").methods().get("forward").body().get(3);
        Ast.Call call = (Ast.Call) r.value();
        assertEquals(2, call.args().size());
        assertEquals(List.of("alpha"), List.copyOf(call.kwargs().keySet()));
    }

    @Test
    void literalsAreTypedAsPythonTypesThem() {
        Ast.FunctionDef f = parse("def f(x: Tensor) -> Tensor:\n  return (1, 0.10000000000000001, 1e-05, \"a\\\"b\", None, True, 9223372036854775807, 0.)\n")
                .functions().get("f");
        List<Ast.Expr> items = ((Ast.TupleExpr) ((Ast.Return) f.body().get(0)).value()).items();
        assertEquals(1L, ((Ast.Const) items.get(0)).value());
        assertEquals(0.10000000000000001, ((Ast.Const) items.get(1)).value());
        assertEquals(1e-05, ((Ast.Const) items.get(2)).value());
        assertEquals("a\"b", ((Ast.Const) items.get(3)).value());
        assertEquals(Values.NONE, ((Ast.Const) items.get(4)).value());
        assertEquals(Boolean.TRUE, ((Ast.Const) items.get(5)).value());
        assertEquals(Long.MAX_VALUE, ((Ast.Const) items.get(6)).value());
        assertEquals(0.0, ((Ast.Const) items.get(7)).value());
    }

    @Test
    void operatorsBindAsInPython() {
        Ast.FunctionDef f = parse("def f(a: int) -> int:\n  return -a + 2 * a ** 2 if not a == 1 and a is not None else a\n")
                .functions().get("f");
        Ast.Cond c = assertInstanceOf(Ast.Cond.class, ((Ast.Return) f.body().get(0)).value());
        Ast.Binary sum = assertInstanceOf(Ast.Binary.class, c.then());
        assertEquals("+", sum.op());
        assertEquals("*", ((Ast.Binary) sum.right()).op());
        assertEquals("**", ((Ast.Binary) ((Ast.Binary) sum.right()).right()).op());
        assertEquals("and", ((Ast.Binary) c.test()).op());
    }

    @Test
    void ifElifElseAndForBlocksNest() {
        Ast.FunctionDef f = parse("""
                def f(x: int) -> int:
                  if x:
                    y = 1
                  elif torch.gt(x, 2):
                    y = 2
                  else:
                    pass
                  for i in range(3):
                    y = torch.add(y, i)
                  return y
                """).functions().get("f");
        Ast.If i = assertInstanceOf(Ast.If.class, f.body().get(0));
        assertInstanceOf(Ast.If.class, i.otherwise().get(0));
        assertInstanceOf(Ast.For.class, f.body().get(1));
    }

    @Test
    void subscriptsAndSlicesParse() {
        Ast.FunctionDef f = parse("def f(x: List[int]) -> List[int]:\n  return x[1:]\n").functions().get("f");
        Ast.Index ix = assertInstanceOf(Ast.Index.class, ((Ast.Return) f.body().get(0)).value());
        assertEquals("slice", ((Ast.Name) ((Ast.Call) ix.index()).fn()).id());
    }

    @Test
    void blankAndCommentLinesChangeNoBlock() {
        Ast.FunctionDef f = parse("def f(x: int) -> int:\n  y = x\n\n  # a comment\n   \r\n  return y\n").functions().get("f");
        assertEquals(2, f.body().size());
        assertEquals(6, f.body().get(1).loc().line());
    }

    @Test
    void aSyntaxErrorNamesTheFileAndLine() {
        BadInputException e = assertThrows(BadInputException.class, () -> parse("def f(x: Tensor) -> Tensor:\n  return (x,\n\n"));
        assertTrue(e.getMessage().contains("code/__torch__/net.py:"), e.getMessage());
        e = assertThrows(BadInputException.class, () -> parse("def f(x):\n  return x $ 2\n"));
        assertTrue(e.getMessage().contains("net.py:2") && e.getMessage().contains("'$'"), e.getMessage());
    }

    @Test
    void statementsTheInterpreterDoesNotRunAreKeptAndNamed() {
        Ast.FunctionDef f = parse("def f(x: int) -> int:\n  with torch.no_grad():\n    y = x\n  return x\n").functions().get("f");
        Ast.Unsupported u = assertInstanceOf(Ast.Unsupported.class, f.body().get(0));
        assertTrue(u.what().contains("with"));
    }
}
