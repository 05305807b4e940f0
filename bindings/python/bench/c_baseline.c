/* The C cost of the two call pairs ffi_overhead.py measures, to subtract.
 * cc -O2 -I../../../include c_baseline.c -L../../../build/lib -ledition \
 *    -Wl,-rpath,$PWD/../../../build/lib -o /tmp/c_baseline && /tmp/c_baseline */
#include <libedition.h>
#include <stdio.h>
#include <time.h>
static double now_ns(void){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec*1e9+t.tv_nsec;}
int main(void){
  ed_time now=1770000000;
  ed_result*r=ed_create_enterprise_platinum("MQ_BENCH","http://mq",now-10,12,NULL);
  ed_instance*inst=ed_instance_ref(ed_result_instance(r)); ed_result_free(r);
  int N=200000; double best1=1e18,best2=1e18;
  for(int rep=0;rep<5;rep++){
    double t=now_ns(); for(int i=0;i<N;i++) ed_result_free(ed_set_post_expiration_action(inst,now,ED_ACTION_DELETE_RESOURCE));
    double d=(now_ns()-t)/N; if(d<best1)best1=d;
    t=now_ns(); for(int i=0;i<N;i++) ed_result_free(ed_add_topic(inst,now,"orders"));
    d=(now_ns()-t)/N; if(d<best2)best2=d;
  }
  printf("C set_post_expiration_action+free: %.0f ns\nC add_topic+free: %.0f ns\n",best1,best2);
  ed_instance_free(inst); return 0;}
