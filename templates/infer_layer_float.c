
/* A{{P}} ({{IN}}) -> A{{L}} ({{OUT}}). A panel's {{PW}} sums are independent, so the loop over v is a
 * vector loop over units (x[i] broadcast times a row of weights): {{PW}} sums in flight hide the
 * multiply-add latency. Each sum is still b[j] + W[j][0] x[0] + W[j][1] x[1] + ... added in that
 * order (C's + groups left to right), as the training program adds it: no reassociation, no
 * -ffast-math. {{U}} inputs per step, so z[v] goes through memory once per {{U}} products. */
static void {{NAME}}_layer{{L}}(const float *restrict x, float *restrict a)
{
    for (int p = 0; p < {{PANELS}}; p++) { /* units [{{PW}}p, {{PW}}p + {{PW}}) */
        float z[{{PW}}];
        for (int v = 0; v < {{PW}}; v++) z[v] = {{NAME}}_b{{L}}[{{PW}} * p + v];
        for (int i = 0; i < {{IN}}; i += {{U}}) { /* inputs i .. i + {{U}} */
            const float (*w)[{{PW}}] = {{NAME}}_w{{L}}[p] + i;
            const float {{XS}};
            for (int v = 0; v < {{PW}}; v++)
                z[v] = z[v] + {{TERMS}};
        }
        for (int v = 0; v < {{PW}}; v++) a[{{PW}} * p + v] = z[v];
    }{{TAIL}}
    {{ACTIVATE}}
}
