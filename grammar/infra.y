%define api.pure full
%{
/* placeholder: replaced by the real grammar */
%}
%token END 0
%%
program: %empty ;
%%
