
/* A{{P}} ({{IN}}) -> A{{L}} ({{OUT}}), skipping the inputs that are 0.
 * A{{P}} is {{ZEROS}}.
 * A 0 input adds nothing to a sum, so only the rows of w{{L}} whose input is not 0 are read, and
 * reading the weights is what bounds this loop. The indices of the nonzero inputs are gathered
 * first, without branches (nz[n] = i is always written; n moves past it only when x[i] != 0),
 * then every panel runs over them.
 * Exact: each sum is b[j] + W[j][i] x[i] + ... over the nonzero x[i] in increasing i, added in
 * that order (C's + groups left to right; no reassociation, no -ffast-math). That is the full sum
 * without its terms W[j][i] * 0 = +-0 (the weights are finite), and z + +-0 is z, with or without
 * fma: the same float as the training program's. (Only a z that is itself a zero could change,
 * in the sign of that zero; -0 and 0 compare equal.)
 * A panel's {{PW}} sums are independent, so the loop over v is a vector loop over units (x broadcast
 * times a row of weights). {{U}} rows per step, through the pointers w[] (they stay in registers),
 * so z[v] goes through memory once per {{U}} products; then the last n % {{U}} one by one. */
static void {{NAME}}_layer{{L}}(const float *restrict x, float *restrict a)
{
    {{INDEX}} nz[{{IN}}]; /* the i of the nonzero x[i], increasing */
    int n = 0;
    for (int i = 0; i < {{IN}}; i++) {
        nz[n] = ({{INDEX}})i;
        n += x[i] != 0;
    }
    for (int p = 0; p < {{PANELS}}; p++) { /* units [{{PW}}p, {{PW}}p + {{PW}}) */
        float z[{{PW}}];
        for (int v = 0; v < {{PW}}; v++) z[v] = {{NAME}}_b{{L}}[{{PW}} * p + v];
        int k = 0;
        for (; k + {{U}} <= n; k += {{U}}) { /* inputs nz[k] .. nz[k + {{U_1}}] */
            const float *w[{{U}}] = {{ROWS}};
            const float {{XS}};
            for (int v = 0; v < {{PW}}; v++)
                z[v] = z[v] + {{TERMS}};
        }
        for (; k < n; k++) {
            const float *w = {{NAME}}_w{{L}}[p][nz[k]];
            const float x0 = x[nz[k]];
            for (int v = 0; v < {{PW}}; v++) z[v] = z[v] + w[v] * x0;
        }
        for (int v = 0; v < {{PW}}; v++) a[{{PW}} * p + v] = z[v];
    }{{TAIL}}
    {{ACTIVATE}}
}
