//! The operand stack's height through a function body that was validated before, without
//! validating it again: the translator needs only the number of values on the stack at
//! each operator when none of them can be a `v128` (one slot each), and validating the
//! body a second time for that cost it about 15% of its time (wasmi translates validated
//! bodies without a validator too).
//!
//! Each operator's arity is `wasmparser`'s (`Operator::operator_arity`), the most
//! frequent operators' computed here to the same values (`Heights::common_arity`); the
//! control operators, which set the height from their block's, and the operators after
//! which the rest of a block is unreachable, are this module's. In unreachable code the
//! height follows the validator's rule: a pop below the block's base pops nothing (the
//! stack is polymorphic), a push pushes. So the heights are the validator's, operator by
//! operator; builds with debug assertions check that on every function they translate
//! this way (`code.rs`), which the test suites run.
//!
//! [`Heights::op`] gives `None` for what it cannot follow (an operator whose arity
//! `wasmparser` does not give; a pop below a block's base in reachable code, which a
//! valid body never makes): the translator then starts the function again with the
//! validator.

use super::instr::Numeric;
use crate::module::ModuleInfo;
use wasmparser::{
    BlockType, ContType, FrameKind, FuncType, ModuleArity, Operator, RefType, SubType,
    ValidatorResources, WasmModuleResources,
};

/// One control frame: its block type and kind (for the arity of branches to it), the
/// height below its parameters, and whether the rest of it is unreachable.
#[derive(Clone, Copy)]
struct Frame {
    ty: BlockType,
    kind: FrameKind,
    base: u32,
    unreachable: bool,
}

/// The number of values on the operand stack of a validated body, operator by operator.
pub(crate) struct Heights<'a> {
    info: &'a ModuleInfo,
    resources: &'a ValidatorResources,
    frames: Vec<Frame>,
    values: u32,
}

impl<'a> Heights<'a> {
    /// The heights of a body of module `info` (whose validator's view is `resources`) of
    /// a function of type `type_index` (its body is the outermost block, which its `end`
    /// closes).
    pub(crate) fn new(
        info: &'a ModuleInfo,
        resources: &'a ValidatorResources,
        type_index: u32,
    ) -> Self {
        Heights {
            info,
            resources,
            frames: vec![Frame {
                ty: BlockType::FuncType(type_index),
                kind: FrameKind::Block,
                base: 0,
                unreachable: false,
            }],
            values: 0,
        }
    }

    /// Values on the stack (before the next operator).
    pub(crate) fn values(&self) -> u32 {
        self.values
    }

    /// Pops `n` values: none below the current block's base when its rest is unreachable.
    fn pop(&mut self, n: u32) -> Option<()> {
        let frame = self.frames.last()?;
        self.values = if frame.unreachable {
            self.values.saturating_sub(n).max(frame.base)
        } else {
            self.values.checked_sub(n).filter(|v| *v >= frame.base)?
        };
        Some(())
    }

    /// Enters a block of type `ty`, whose parameters are on the stack.
    fn enter(&mut self, ty: BlockType, kind: FrameKind) -> Option<()> {
        let (params, _) = self.block_type_arity(ty)?;
        self.pop(params)?;
        self.frames.push(Frame {
            ty,
            kind,
            base: self.values,
            unreachable: false,
        });
        self.values += params;
        Some(())
    }

    /// Starts the next arm of the current block (`else`, a legacy `catch`), with `values`
    /// values above its base.
    fn arm(&mut self, kind: FrameKind, values: u32) -> Option<()> {
        let frame = self.frames.last_mut()?;
        frame.kind = kind;
        frame.unreachable = false;
        self.values = frame.base + values;
        Some(())
    }

    /// Follows operator `op`.
    pub(crate) fn op(&mut self, op: &Operator<'_>) -> Option<()> {
        match *op {
            Operator::Block { blockty } => self.enter(blockty, FrameKind::Block),
            Operator::Loop { blockty } => self.enter(blockty, FrameKind::Loop),
            Operator::Try { blockty } => self.enter(blockty, FrameKind::LegacyTry),
            Operator::TryTable { ref try_table } => self.enter(try_table.ty, FrameKind::TryTable),
            Operator::If { blockty } => {
                self.pop(1)?;
                self.enter(blockty, FrameKind::If)
            }
            Operator::Else => {
                let (params, _) = self.block_type_arity(self.frames.last()?.ty)?;
                self.arm(FrameKind::Else, params)
            }
            Operator::Catch { tag_index } => {
                let (params, _) = self.tag_type_arity(tag_index)?;
                self.arm(FrameKind::LegacyCatch, params)
            }
            Operator::CatchAll => self.arm(FrameKind::LegacyCatchAll, 0),
            Operator::End | Operator::Delegate { .. } => {
                let frame = self.frames.pop()?;
                let (_, results) = self.block_type_arity(frame.ty)?;
                self.values = frame.base + results;
                Some(())
            }
            Operator::Unreachable
            | Operator::Br { .. }
            | Operator::BrTable { .. }
            | Operator::Return
            | Operator::ReturnCall { .. }
            | Operator::ReturnCallIndirect { .. }
            | Operator::ReturnCallRef { .. }
            | Operator::Throw { .. }
            | Operator::Rethrow { .. }
            | Operator::ThrowRef => {
                let frame = self.frames.last_mut()?;
                frame.unreachable = true;
                self.values = frame.base;
                Some(())
            }
            _ => {
                let (pops, pushes) = match self.common_arity(op) {
                    Some(arity) => arity,
                    None => op.operator_arity(self)?,
                };
                self.pop(pops)?;
                self.values += pushes;
                Some(())
            }
        }
    }

    /// The arity of the most frequent operators, found quicker than `operator_arity`
    /// finds it (which copies the operator and asks through `dyn` calls): `None` for the
    /// others.
    #[inline]
    fn common_arity(&self, op: &Operator<'_>) -> Option<(u32, u32)> {
        use Operator as O;
        Some(match *op {
            O::LocalGet { .. }
            | O::GlobalGet { .. }
            | O::I32Const { .. }
            | O::I64Const { .. }
            | O::F32Const { .. }
            | O::F64Const { .. } => (0, 1),
            O::LocalSet { .. } | O::GlobalSet { .. } | O::Drop => (1, 0),
            O::LocalTee { .. }
            | O::I32Load { .. }
            | O::I64Load { .. }
            | O::F32Load { .. }
            | O::F64Load { .. }
            | O::I32Load8S { .. }
            | O::I32Load8U { .. }
            | O::I32Load16S { .. }
            | O::I32Load16U { .. }
            | O::I64Load8S { .. }
            | O::I64Load8U { .. }
            | O::I64Load16S { .. }
            | O::I64Load16U { .. }
            | O::I64Load32S { .. }
            | O::I64Load32U { .. } => (1, 1),
            O::I32Store { .. }
            | O::I64Store { .. }
            | O::F32Store { .. }
            | O::F64Store { .. }
            | O::I32Store8 { .. }
            | O::I32Store16 { .. }
            | O::I64Store8 { .. }
            | O::I64Store16 { .. }
            | O::I64Store32 { .. } => (2, 0),
            O::Select => (3, 1),
            // (A `br_if` pops its condition, then pops the label's values and pushes them
            // back: in reachable code, only the condition; in unreachable code those pops
            // may pop nothing while the pushes push, `operator_arity`'s count.)
            O::BrIf { .. } if !self.frames.last()?.unreachable => (1, 0),
            O::Call { function_index } => {
                let ty = self
                    .info
                    .types
                    .get(*self.info.func_types.get(function_index as usize)? as usize)?;
                (ty.params().len() as u32, ty.results().len() as u32)
            }
            O::CallIndirect { type_index, .. } => {
                let ty = self.info.types.get(type_index as usize)?;
                (ty.params().len() as u32 + 1, ty.results().len() as u32)
            }
            _ => match Numeric::of(op)? {
                Numeric::Unary(_) => (1, 1),
                Numeric::Binary(..) => (2, 1),
            },
        })
    }
}

impl ModuleArity for Heights<'_> {
    fn sub_type_at(&self, type_idx: u32) -> Option<&SubType> {
        self.resources.sub_type_at(type_idx)
    }

    fn tag_type_arity(&self, at: u32) -> Option<(u32, u32)> {
        let ty = self.resources.tag_at(at)?;
        Some((ty.params().len() as u32, ty.results().len() as u32))
    }

    fn type_index_of_function(&self, function_idx: u32) -> Option<u32> {
        self.resources.type_index_of_function(function_idx)
    }

    fn func_type_of_cont_type(&self, _: &ContType) -> Option<&FuncType> {
        // (Stack switching is not run.)
        None
    }

    fn sub_type_of_ref_type(&self, rt: &RefType) -> Option<&SubType> {
        let id = rt.type_index()?.as_core_type_id()?;
        Some(self.resources.sub_type_at_id(id))
    }

    fn control_stack_height(&self) -> u32 {
        self.frames.len() as u32
    }

    fn label_block(&self, depth: u32) -> Option<(BlockType, FrameKind)> {
        let at = self.frames.len().checked_sub(1 + depth as usize)?;
        let frame = self.frames.get(at)?;
        Some((frame.ty, frame.kind))
    }
}

#[cfg(test)]
mod tests {
    use super::super::hot::CompiledFunc;
    use super::super::translate::{Stack, Translator};
    use super::*;
    use crate::options::CodeOptions;
    use crate::types::ListenerHooks;

    fn options() -> CodeOptions {
        CodeOptions {
            mode: crate::CompilationMode::LazyTranslation,
            fuel: false,
            interrupts: false,
            debug: false,
            count: false,
            native: false,
            features: crate::features::CoreFeatures::V3,
        }
    }

    /// Function `index` of `info` translated both ways: following its heights (`None`
    /// when that gave up) and validating it.
    fn both(info: &ModuleInfo, index: u32) -> (Option<CompiledFunc>, CompiledFunc) {
        let def = index - info.num_imported_funcs;
        let range = info.bodies[def as usize].clone();
        let body = wasmparser::FunctionBody::new(wasmparser::BinaryReader::new(
            &info.bytes[range.clone()],
            range.start as u64,
        ));
        let resources = info.resources.as_ref().unwrap();
        let ty = info.func_types[index as usize];
        let heights = Heights::new(info, resources, ty);
        let followed = Translator::new(options())
            .translate(
                info,
                index,
                Stack::Validated(heights),
                &body,
                ListenerHooks::empty(),
            )
            .unwrap();
        let mut fv = wasmparser::FuncToValidate {
            resources: resources.clone(),
            index,
            ty,
            features: info.features,
        }
        .into_validator(Default::default());
        let validated = Translator::new(options())
            .translate(
                info,
                index,
                Stack::Validate(&mut fv),
                &body,
                ListenerHooks::empty(),
            )
            .unwrap()
            .unwrap();
        (followed, validated)
    }

    const BODIES: &str = r#"(module
      (memory 1)
      (table $tab 4 funcref)
      (global $g (mut i32) (i32.const 0))
      (type $un (func (param i32) (result i32)))
      (tag $e (param i32))
      (elem declare func $id)
      (func $id (type $un) local.get 0)
      (func $pair (param i32) (result i32 i64) local.get 0 i64.const 7)
      ;; Blocks with parameters and results, branches carrying values, loops with
      ;; constants of their own.
      (func (param i32 i64) (result i64)
        (local f64)
        local.get 0
        block (param i32) (result i32 i64)
          i64.const 1
          local.get 0
          br_if 0
          drop
          i64.const 2
        end
        drop
        loop (param i32) (result i32)
          i32.const 1
          i32.sub
          local.tee 0
          f64.const 2.5
          local.get 2
          f64.add
          local.set 2
          i64.const 99
          local.get 1
          i64.add
          local.set 1
          local.get 0
          br_if 0
        end
        if (result i64)
          local.get 1
        else
          i64.const 3
        end)
      ;; A `br_if` in unreachable code pushes the label's values back.
      (func (result i32)
        unreachable
        br_if 0
        i32.const 1
        i32.add)
      ;; Code after branches, returns and traps: the stack is polymorphic there.
      (func (param i32) (result i32)
        block (result i32)
          block
            local.get 0
            br_table 0 0
            i32.add
            drop
            block (param i32) (result i32)
              i32.eqz
            end
            br 0
          end
          i32.const 5
          return
          i32.const 1
          i32.const 2
          select
        end
        unreachable
        i32.add)
      ;; Calls, through a table and a reference, tail calls, memory and tables.
      (func (param i32) (result i32)
        local.get 0
        call $pair
        drop
        local.get 0
        i32.const 0
        call_indirect $tab (type $un)
        ref.func $id
        call_ref $un
        global.get $g
        i32.add
        global.set $g
        i32.const 0
        i32.const 1
        i32.const 2
        memory.copy
        memory.size
        i32.const 1
        memory.grow
        i32.store offset=4
        i32.const 0
        table.get $tab
        ref.is_null
        local.get 0
        i32.const 1
        local.get 0
        select (result i32)
        i32.add
        i32.const 3
        local.get 0
        select
        return_call $id)
      ;; Exceptions: `try_table` and `throw`.
      (func (param i32) (result i32)
        block $h (result i32)
          try_table (result i32) (catch $e $h)
            local.get 0
            if
              local.get 0
              throw $e
            end
            i32.const 1
          end
        end))"#;

    #[test]
    fn heights_give_the_code_validating_gives() {
        let bytes = wat::parse_str(BODIES).unwrap();
        let info = ModuleInfo::parse(bytes.as_slice().into(), options()).unwrap();
        assert_eq!(info.preludes.len(), info.bodies.len());
        let instrs = |c: &CompiledFunc| c.instrs.iter().map(|op| op.instr()).collect::<Vec<_>>();
        for index in info.num_imported_funcs..info.func_types.len() as u32 {
            let (followed, validated) = both(&info, index);
            let followed =
                followed.unwrap_or_else(|| panic!("function {index}: the heights were given up"));
            assert_eq!(instrs(&followed), instrs(&validated), "function {index}");
            assert_eq!(
                followed.max_height, validated.max_height,
                "function {index}"
            );
            assert_eq!(followed.consts, validated.consts, "function {index}");
            assert_eq!(followed.modes, validated.modes, "function {index}");
            assert_eq!(followed.offsets, validated.offsets, "function {index}");
        }
    }

    #[test]
    fn a_body_that_may_hold_a_v128_is_validated_again() {
        let bytes = wat::parse_str(
            r#"(module
              (func (result i32)
                v128.const i64x2 1 2
                i32x4.extract_lane 1)
              (func (param i32) (result i32) (local v128)
                local.get 0))"#,
        )
        .unwrap();
        let info = ModuleInfo::parse(bytes.as_slice().into(), options()).unwrap();
        assert!(info.preludes[0].simd && !info.preludes[1].simd);
        for index in 0..2 {
            let (followed, validated) = both(&info, index);
            assert!(followed.is_none(), "function {index}");
            assert!(!validated.instrs.is_empty());
        }
    }

    #[test]
    fn validating_finds_the_constants_of_loops() {
        let bytes = wat::parse_str(
            r#"(module
              (func (param i64) (result i64)
                i64.const 5
                drop
                loop (result i64)
                  local.get 0
                  i64.const 7
                  i64.add
                  f32.const 1.5
                  drop
                  i64.const 7
                  i64.add
                end))"#,
        )
        .unwrap();
        let info = ModuleInfo::parse(bytes.as_slice().into(), options()).unwrap();
        let prelude = &info.preludes[0];
        assert_eq!(prelude.loop_consts[..], [7, 1.5f32.to_bits() as u64]);
        assert_eq!(prelude.max_tries, 0);
        let (followed, validated) = both(&info, 0);
        assert_eq!(followed.unwrap().consts, validated.consts);
    }
}
