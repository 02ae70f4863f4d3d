/* backends.h — the printers. Each turns the factored IR into files of one
 * target syntax and adds them to the output set. They decide nothing about the
 * program: layout, names and values all come from the IR. A backend reports
 * only conditions it cannot print (through diag), never partial files.
 */
#ifndef INFRAC_BACKENDS_H
#define INFRAC_BACKENDS_H

#include "../compiler/ir.h"
#include "../compiler/out.h"
#include "../compiler/diag.h"

/* Terraform: infra/terraform/modules/<stack>/{main,variables,outputs,versions}.tf
 * for every TARGET_TERRAFORM stack, and infra/terraform/environments/<env>/
 * {main,variables,backend,providers,imports,versions}.tf and terraform.tfvars
 * calling every module (the layout the program's settings say). */
void tf_emit(const ir_program *p, out_set *o, diag_ctx *d);

/* Bicep: infra/bicep/<stack>/main.bicep, modules/<label>.bicep when the stack
 * deploys modules, and params.<env>.bicepparam / .json (jansson) for every
 * TARGET_BICEP stack. */
void bicep_emit(const ir_program *p, out_set *o, diag_ctx *d);

/* Kustomize: infra/kubernetes/base/<group>/ for every TARGET_KUBERNETES stack
 * and infra/kubernetes/overlays/<env>/ (libyaml). */
void kust_emit(const ir_program *p, out_set *o, diag_ctx *d);

/* GitHub Actions: .github/workflows/<name>.yml for every TARGET_GITHUB stack
 * block (libyaml). */
void gha_emit(const ir_program *p, out_set *o, diag_ctx *d);

/* Docker Compose: docker-compose.yml and .env for the local environments
 * (compose.c; the YAML through libyaml). */
void compose_emit(const ir_program *p, out_set *o, diag_ctx *d);

/* Plain files a program or kind declares (`file`): each at its path, with
 * the generated-file header in its syntax, executable when asked. */
void files_emit(const ir_program *p, out_set *o, diag_ctx *d);

#endif
