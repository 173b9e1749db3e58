//! `starmap`'s argument packs: a tuple whose fields become the function's arguments.

/// A function called with the fields of a tuple as its separate arguments: Python's
/// `f(*args)`, which is what `Pool.starmap` does to each item.
///
/// It is implemented for every `Fn` of one to eight arguments, so a two-argument
/// function takes `(A, B)` items:
///
/// ```
/// use runtime::pool::StarFn;
///
/// fn power(base: u64, exponent: u32) -> u64 {
///     base.pow(exponent)
/// }
/// assert_eq!(power.call_star((2, 10)), 1024);
/// assert_eq!((|a: i32, b: i32, c: i32| a + b + c).call_star((1, 2, 3)), 6);
/// ```
///
/// A one-argument function takes one-field tuples, `(x,)`, as in Python where
/// `starmap(f, [(x,)])` calls `f(x)`. For plain values, use `map`.
pub trait StarFn<Args> {
    /// What the function returns.
    type Output;

    /// Calls the function with the fields of `args` as its arguments.
    fn call_star(&self, args: Args) -> Self::Output;
}

macro_rules! star_fn {
    ($($arg:ident),+) => {
        impl<Func, Ret, $($arg),+> StarFn<($($arg,)+)> for Func
        where
            Func: Fn($($arg),+) -> Ret,
        {
            type Output = Ret;

            #[allow(non_snake_case)]
            fn call_star(&self, ($($arg,)+): ($($arg,)+)) -> Ret {
                self($($arg),+)
            }
        }
    };
}

star_fn!(A);
star_fn!(A, B);
star_fn!(A, B, C);
star_fn!(A, B, C, D);
star_fn!(A, B, C, D, E);
star_fn!(A, B, C, D, E, G);
star_fn!(A, B, C, D, E, G, H);
star_fn!(A, B, C, D, E, G, H, I);
