
/* A{{P}} ({{IN}}) -> A{{L}} ({{OUT}}), unit by unit, skipping the inputs that are 0.
 * A{{P}} is {{ZEROS}}.
 * A 0 input adds nothing to a sum, so only the weights whose input is not 0 are read, and each is
 * a multiply-add fewer. The indices of the nonzero inputs are gathered first, without branches
 * (nz[n] = i is always written; n moves past it only when x[i] != 0), then every unit's dot
 * product runs over them, in one register.
 * Exact: each sum is b[j] + W[j][i] x[i] + ... over the nonzero x[i] in increasing i, added in
 * that order (C's + groups left to right; no reassociation, no -ffast-math). That is the full sum
 * without its terms W[j][i] * 0 = +-0 (the weights are finite), and z + +-0 is z, with or without
 * fma: the same float as the training program's. (Only a z that is itself a zero could change,
 * in the sign of that zero; -0 and 0 compare equal.) {{U}} inputs per step, then the last n % {{U}}
 * one by one. */
static void {{NAME}}_layer{{L}}(const float *restrict x, float *restrict a)
{
    {{INDEX}} nz[{{IN}}]; /* the i of the nonzero x[i], increasing */
    int n = 0;
    for (int i = 0; i < {{IN}}; i++) {
        nz[n] = ({{INDEX}})i;
        n += x[i] != 0;
    }
    for (int j = 0; j < {{OUT}}; j++) {
        const float *w = {{NAME}}_w{{L}}[j];
        float z = {{NAME}}_b{{L}}[j];
        int k = 0;
        for (; k + {{U}} <= n; k += {{U}}) /* inputs nz[k] .. nz[k + {{U_1}}] */
            z = z + {{TERMS}};
        for (; k < n; k++) z = z + w[nz[k]] * x[nz[k]];
        a[j] = z;
    }
    {{ACTIVATE}}
}
