
/* Layer {{L}} forward: Z{{L}} = W{{L}}.A{{P}} + b{{L}}, A{{L}} = {{ACT}}(Z{{L}})
 *   A{{P}} (m, {{IN}}) -> A{{L}} (m, {{OUT}}) */
static void {{NAME}}_forward{{L}}(int m, const real *restrict a_in, real *restrict a_out)
{
    {{OMP}}
    for (int r = 0; r < m; r++) {
        const real *restrict x = a_in + (size_t)r * {{IN}};
        real *restrict a = a_out + (size_t)r * {{OUT}};
        for (int j = 0; j < {{OUT}}; j++) {
            const real *restrict w = {{NAME}}_param.w{{L}}[j];
            real z = {{NAME}}_param.b{{L}}[j];
            {{DOT}}
            a[j] = z;
        }
        {{ACTIVATE}}
    }
}
